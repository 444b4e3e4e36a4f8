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

    /// Every file in the archive, in archive order, with its size.
    var files: [(path: String, size: Int64)] {
        archive.filter { $0.type == .file }.map { ($0.path, Int64($0.uncompressedSize)) }
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

    /// Hands a file's bytes to `body` in chunks, checking its CRC; false when there is no such
    /// file.
    @discardableResult
    func stream(_ path: String, _ body: (Data) throws(EvidenceError) -> Void) throws(EvidenceError) -> Bool {
        guard let entry = archive[path] else { return false }
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in try body(chunk) }
        } catch let error as EvidenceError {
            throw error
        } catch {
            throw .unreadable("\(path) cannot be read from the zip (damaged or altered): \(error)")
        }
        return true
    }
}
