import Foundation
import ZIPFoundation

/// Writes a bundle's zip: entries in the order given, each deflated, all with one fixed date
/// and mode, so the same files always give the same bytes.
struct BundleWriter {
    private let archive: Archive
    private let date: Date

    init(creating url: URL, date: Date) throws(EvidenceError) {
        try? FileManager.default.removeItem(at: url)
        do {
            archive = try Archive(url: url, accessMode: .create)
        } catch {
            throw .cannotBuild("cannot create \(url.path): \(error)")
        }
        self.date = date
    }

    func add(_ path: String, bytes: [UInt8]) throws(EvidenceError) {
        let data = Data(bytes)
        do {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date, permissions: 0o644, compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        } catch {
            throw .cannotBuild("cannot write \(path) into the bundle: \(error)")
        }
    }

    /// Adds a file from disk, read in chunks: memory does not grow with its size.
    func add(_ path: String, file: URL) throws(EvidenceError) {
        do {
            let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64 ?? 0
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: size, modificationDate: date, permissions: 0o644, compressionMethod: .deflate,
                bufferSize: 1 << 20
            ) { position, chunk in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: chunk) ?? Data()
            }
        } catch {
            throw .cannotBuild("cannot write \(path) into the bundle: \(error)")
        }
    }
}

/// Reads a bundle's zip.
struct BundleReader {
    private let archive: Archive
    let url: URL

    init(_ url: URL) throws(EvidenceError) {
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw .unreadable("\(url.path) is not a zip archive: \(error)")
        }
        self.url = url
    }

    /// Every file in the archive, in archive order, with the size its entry declares; after
    /// ``checkEntries()``, every entry is such a file, under a name used once.
    var files: [(path: String, size: Int64)] {
        archive.filter { $0.type == .file }.map { ($0.path, Int64(exactly: $0.uncompressedSize) ?? .max) }
    }

    /// Refuses what unzip tools read differently from this reader: two entries of one name
    /// (each tool shows its own pick: one could be forged), entries that are not plain files
    /// (a link that extracts outside the folder, a folder), names that climb out of the folder
    /// or that file systems spell differently, and sizes no file has.
    func checkEntries() throws(EvidenceError) {
        var seen = Set<String>()
        for entry in archive {
            let path = entry.path
            guard Self.isPlainName(path) else {
                throw .unreadable("it holds an entry named \"\(path)\": a bundle's names are plain relative paths of printable ASCII")
            }
            guard entry.type == .file else { throw .unreadable("\(path) is a \(entry.type) entry: a bundle holds only files") }
            guard seen.insert(path).inserted else {
                throw .unreadable("two entries are named \(path): unzip tools may show either one, so the bundle cannot be trusted")
            }
            guard Int64(exactly: entry.uncompressedSize) != nil else { throw .unreadable("\(path) declares a size no file has") }
        }
    }

    static func isPlainName(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else { return false }
        return path.utf8.first != UInt8(ascii: "/") && !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    func contains(_ path: String) -> Bool { archive[path] != nil }

    /// The whole of a small file; nil when the archive has no such file.
    func read(_ path: String, limit: Int = 256 << 20) throws(EvidenceError) -> [UInt8]? {
        var bytes: [UInt8] = []
        guard try stream(path, { chunk throws(EvidenceError) in
            guard bytes.count + chunk.count <= limit else { throw .unreadable("\(path) is larger than \(limit >> 20) MiB") }
            bytes.append(contentsOf: chunk)
        }) else { return nil }
        return bytes
    }

    /// Hands a file's bytes to `body` in chunks, never more than its entry declares (a small
    /// entry that inflates to gigabytes is refused as it grows); false when there is no such
    /// file. SHA-256 against the manifest, not the zip's CRC, proves the bytes.
    @discardableResult
    func stream(_ path: String, _ body: (Data) throws(EvidenceError) -> Void) throws(EvidenceError) -> Bool {
        guard let entry = archive[path] else { return false }
        let declared = Int64(exactly: entry.uncompressedSize) ?? 0
        var total: Int64 = 0
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in
                total += Int64(chunk.count)
                guard total <= declared else { throw EvidenceError.unreadable("\(path) inflates to more than the \(declared) bytes its entry declares") }
                try body(chunk)
            }
        } catch let error as EvidenceError {
            throw error
        } catch {
            throw .unreadable("\(path) cannot be read from the zip (damaged or altered): \(error)")
        }
        return true
    }
}
