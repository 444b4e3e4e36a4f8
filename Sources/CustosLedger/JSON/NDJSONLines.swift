/// The lines of an NDJSON body, as the HTTP API reads them: split at line feeds, blank
/// lines (nothing but spaces, tabs and carriage returns) skipped.
public enum NDJSONLines {
    /// Calls `body` with each line of `bytes` that is not blank and its line number, counted
    /// from 1 over every line; stops early when `body` returns false.
    public static func forEach(in bytes: UnsafeRawBufferPointer, _ body: (_ line: UnsafeRawBufferPointer, _ number: Int) throws -> Bool) rethrows {
        var number = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            number += 1
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                guard try body(line, number) else { return }
            }
            start = end + 1
        }
    }
}
