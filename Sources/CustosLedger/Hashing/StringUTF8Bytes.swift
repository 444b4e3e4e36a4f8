extension String {
    /// Whether the two strings hold the same UTF-8 bytes: one `memcmp` for native strings.
    /// Ids and names compare this way everywhere in the ledger: `==` on `String` would take
    /// two spellings of one accented name ("é" and "e" + U+0301) for one.
    func hasSameUTF8(as other: String) -> Bool {
        let (left, right) = (utf8, other.utf8)
        guard left.count == right.count else { return false }
        let compared = left.withContiguousStorageIfAvailable { a in
            right.withContiguousStorageIfAvailable { b in UnsafeRawBufferPointer(a).hasSameBytes(as: UnsafeRawBufferPointer(b)) }
        }
        return (compared ?? nil) ?? left.elementsEqual(right)
    }

    /// Calls `body` with the string's UTF-8 as raw bytes, passing on the error type `body`
    /// throws (`String.withUTF8` only rethrows untyped errors). Validators written over bytes
    /// (``NodeID``, ``EventKind``, ``Actor``) take their `String` inputs through here.
    func withUTF8Bytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var text = self
        return try text.withUTF8 { utf8 in Result { () throws(E) in try body(UnsafeRawBufferPointer(utf8)) } }.get()
    }
}
