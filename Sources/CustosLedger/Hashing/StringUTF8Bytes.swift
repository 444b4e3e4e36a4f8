extension String {
    /// Calls `body` with the string's UTF-8 as raw bytes, passing on the error type `body`
    /// throws (`String.withUTF8` only rethrows untyped errors). Validators written over bytes
    /// (``NodeID``, ``EventKind``, ``Actor``) take their `String` inputs through here.
    func withUTF8Bytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var text = self
        return try text.withUTF8 { utf8 in Result { () throws(E) in try body(UnsafeRawBufferPointer(utf8)) } }.get()
    }
}
