public import CustosLedger
import Crypto
import Foundation
import Synchronization

/// API keys, kept as SHA-256 hashes in the store folder (`api-keys.json`, mode 0600).
///
/// A key is `custos_<id>_<secret>`: an 8-hex-digit id that finds its record and 32 random
/// bytes (base64url) that prove it. It is shown once, when created, and never stored: with
/// 256 bits of randomness a plain SHA-256 needs no salt or slow hash to be unguessable. The file
/// is re-read when it changes, so keys created or revoked with `custos keys` while the server
/// runs take effect within a second.
public final class APIKeyStore: Sendable {
    /// One key, as the file keeps it.
    public struct Record: Sendable, Hashable {
        public let id: String
        public let identity: NodeID
        public let roles: Set<Role>
        /// SHA-256 of the whole key text, hex.
        let sha256: String
        public let created: String
        public var revoked: String?
        public let description: String
        /// Whom the key acts for, when it was made for someone (an agent's owner, say).
        public var onBehalfOf: NodeID? = nil
    }

    /// Why a key cannot be created or the file read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static let fileName = "api-keys.json"
    /// What every key starts with.
    public static let prefix = "custos_"

    public let path: String
    private struct State {
        var records: [String: Record] = [:]
        var loadedStamp: (Date, Int)?
        var checkedAt = Date.distantPast
    }
    private let state = Mutex(State())

    public init(storePath: String) {
        path = storePath + "/" + Self.fileName
    }

    // MARK: Using keys

    /// The principal a key stands for, or nil for a key that is malformed, unknown or revoked.
    public func authenticate(_ key: String) -> Principal? {
        guard let id = Self.id(of: key) else { return nil }
        reloadIfChanged()
        guard let record = state.withLock({ $0.records[id] }), record.revoked == nil else { return nil }
        guard Self.hashes(key, to: record.sha256) else { return nil }
        return Principal(identity: record.identity, roles: record.roles, method: .apiKey, keyID: record.id, onBehalfOf: record.onBehalfOf)
    }

    /// The id of a key of the form `custos_<8 bytes>_<secret>`, read from its UTF-8 (every
    /// request's key is parsed); nil for any other form. The whole key is then checked against
    /// the hash of the record the id finds.
    static func id(of key: String) -> String? {
        let utf8 = key.utf8
        let prefixLength = prefix.utf8.count
        let underscore = UInt8(ascii: "_")
        guard utf8.count > prefixLength + 9, utf8.starts(with: prefix.utf8) else { return nil }
        let idStart = utf8.index(utf8.startIndex, offsetBy: prefixLength)
        let idEnd = utf8.index(idStart, offsetBy: 8)
        guard utf8[idEnd] == underscore, !utf8[idStart..<idEnd].contains(underscore) else { return nil }
        return String(decoding: utf8[idStart..<idEnd], as: UTF8.self)
    }

    /// Every key, revoked ones included (never a secret).
    public func list() throws(Failure) -> [Record] {
        try load()
        return state.withLock { $0.records.values.sorted { $0.created < $1.created } }
    }

    // MARK: Managing keys

    /// Makes a key for `identity` with `roles`, acting for `onBehalfOf` when given (then every
    /// event and request made with it names that identity, which the gate never lets approve
    /// them); returns its record and the key text, which is shown once and never kept.
    public func create(identity: NodeID, roles: Set<Role>, description: String = "", onBehalfOf: NodeID? = nil) throws(Failure) -> (record: Record, key: String) {
        guard !roles.isEmpty else { throw Failure(message: "a key needs at least one role: agent, approver, auditor or admin") }
        guard Self.isActorID(identity) else {
            throw Failure(message: "the identity must be a human:, agent: or service: id, not \(identity)")
        }
        if let onBehalfOf {
            guard Self.isActorID(onBehalfOf), onBehalfOf != identity else {
                throw Failure(message: "on behalf of must be a human:, agent: or service: id other than the key's own, not \(onBehalfOf)")
            }
        }
        try load()
        var id = ""
        repeat {
            id = Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
        } while state.withLock({ $0.records[id] != nil })
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "=", with: "")
        let key = "\(Self.prefix)\(id)_\(secret)"
        let record = Record(
            id: id, identity: identity, roles: roles, sha256: Self.hash(key), created: Timestamp.now().description, revoked: nil,
            description: description, onBehalfOf: onBehalfOf
        )
        try update { $0[id] = record }
        return (record, key)
    }

    private static func isActorID(_ id: NodeID) -> Bool {
        Actor.kindPrefix(of: id.rawValue) != nil
    }

    /// Revokes a key; false when there is no such key.
    @discardableResult
    public func revoke(id: String) throws(Failure) -> Bool {
        try load()
        guard state.withLock({ $0.records[id] != nil }) else { return false }
        try update { records in records[id]?.revoked = Timestamp.now().description }
        return true
    }

    // MARK: The file

    private func reloadIfChanged() {
        let due = state.withLock { state -> Bool in
            guard Date().timeIntervalSince(state.checkedAt) >= 1 else { return false }
            state.checkedAt = Date()
            return true
        }
        if due { try? load() }
    }

    /// Reads the file when it changed since it was last read.
    private func load() throws(Failure) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else {
            state.withLock { $0.records = [:]; $0.loadedStamp = nil }
            return
        }
        let stamp = ((attributes[.modificationDate] as? Date) ?? .distantPast, (attributes[.size] as? Int) ?? -1)
        if let loaded = state.withLock({ $0.loadedStamp }), loaded == stamp { return }
        let bytes: [UInt8]
        do { bytes = try SecretFile.read(path) } catch { throw Failure(message: "\(error)") }
        let records = try Self.decode(bytes)
        state.withLock {
            $0.records = records
            $0.loadedStamp = stamp
        }
    }

    /// Changes the records and writes the file anew: a temporary file of mode 0600, renamed.
    private func update(_ change: (inout [String: Record]) -> Void) throws(Failure) {
        var records = state.withLock { $0.records }
        change(&records)
        let text = Self.encode(records)
        let temporary = path + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try SecretFile.create(temporary, contents: Array(text.utf8))
        } catch {
            throw Failure(message: "cannot write \(temporary): \(error.reason)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(message: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        state.withLock {
            $0.records = records
            $0.loadedStamp = nil
        }
    }

    private static func encode(_ records: [String: Record]) -> String {
        let keys: [JSONValue] = records.values.sorted { $0.created < $1.created }.map { record in
            var members: [String: JSONValue] = [
                "id": .string(record.id), "identity": .string(record.identity.rawValue),
                "roles": .array(record.roles.sorted().map { .string($0.rawValue) }), "sha256": .string(record.sha256),
                "created": .string(record.created), "revoked": record.revoked.map { .string($0) } ?? .null,
                "description": .string(record.description),
            ]
            if let onBehalfOf = record.onBehalfOf { members["onBehalfOf"] = .string(onBehalfOf.rawValue) }
            return .object(members)
        }
        return JSONValue.object(["version": 1, "keys": .array(keys)]).description + "\n"
    }

    private static func decode(_ bytes: [UInt8]) throws(Failure) -> [String: Record] {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw Failure(message: "\(fileName) is not valid JSON: \(error)") }
        guard case .array(let keys)? = root["keys"] else { throw Failure(message: "\(fileName) has no \"keys\" list") }
        var records: [String: Record] = [:]
        for key in keys {
            guard let id = key["id"]?.stringValue, let identityText = key["identity"]?.stringValue, let identity = try? NodeID(identityText, limits: .unbounded),
                  case .array(let roleValues)? = key["roles"], let sha256 = key["sha256"]?.stringValue, let created = key["created"]?.stringValue
            else { throw Failure(message: "\(fileName) holds a malformed key record") }
            let roles = Set(roleValues.compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) })
            var onBehalfOf: NodeID?
            if let text = key["onBehalfOf"]?.stringValue {
                // A key meant to act for someone must never act for nobody.
                guard let owner = try? NodeID(text, limits: .unbounded) else { throw Failure(message: "\(fileName): key \(id) acts on behalf of \"\(text)\", which is not a node id") }
                onBehalfOf = owner
            }
            records[id] = Record(
                id: id, identity: identity, roles: roles, sha256: sha256, created: created,
                revoked: key["revoked"]?.stringValue, description: key["description"]?.stringValue ?? "", onBehalfOf: onBehalfOf
            )
        }
        return records
    }

    static func hash(_ key: String) -> String {
        Hex.encode(SHA256.hash(data: Array(key.utf8)))
    }

    /// Whether SHA-256 of `key` is the lower-case hex `expected`, compared in constant time.
    /// Every authenticated request passes here, so it compares digits in place, with no
    /// strings or arrays made.
    private static func hashes(_ key: String, to expected: String) -> Bool {
        var key = key
        let digest = key.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        var expected = expected
        return expected.withUTF8 { text in
            guard text.count == 2 * SHA256.byteCount else { return false }
            var difference: UInt8 = 0
            digest.withUnsafeBytes { bytes in
                for (index, byte) in bytes.enumerated() {
                    difference |= Hex.digit(byte >> 4) ^ text[2 * index]
                    difference |= Hex.digit(byte & 0xF) ^ text[2 * index + 1]
                }
            }
            return difference == 0
        }
    }
}
