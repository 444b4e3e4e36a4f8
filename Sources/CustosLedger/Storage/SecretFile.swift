import Foundation

/// Files that hold secrets (signing keys, pseudonym keys): created with mode 0600 from the
/// start, never over an existing file, flushed to disk; and read only while no one else may
/// read them.
public enum SecretFile {
    /// Why a secret file cannot be used, and what to do.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `contents` to `path`, which must not exist, with mode 0600. The file appears
    /// whole or not at all: it is written and flushed under a temporary name, then linked into
    /// place, so another process that races to create the same key either wins or reads a
    /// complete one, never a half-written one.
    public static func create(_ path: String, contents: [UInt8]) throws(Failure) {
        let temporary = path + ".partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        let written = contents.withUnsafeBytes({ Foundation.write(descriptor, $0.baseAddress, $0.count) }) == contents.count && fsync(descriptor) == 0
        let failure = String(cString: strerror(errno))
        close(descriptor)
        guard written else { throw Failure(path: path, reason: "could not write it: \(failure)") }
        guard link(temporary, path) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Reads `path`, refusing a file that its group or others can read.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(path: path, reason: String(format: "is readable by others (mode %o); run chmod 600 %@", info.st_mode & 0o777, path))
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(path: path, reason: "cannot be read") }
        return Array(data)
    }

    /// True when a file exists at `path`.
    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}
