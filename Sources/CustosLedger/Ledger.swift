import Foundation
import LMDB
import Synchronization

/// A check run in the write transaction before a conditional append: nil to let the append
/// go in, or the reason it must not (``Ledger/append(contentsOf:if:)``).
public typealias AppendPrecondition = @Sendable (borrowing LedgerSnapshot) throws -> String?

/// The ledger: an append-only, hash-chained event log in an LMDB store.
///
/// ```swift
/// let ledger = try Ledger.open(at: "custos-data", createIfMissing: true)
/// let receipt = try await ledger.append(Event(kind: .transform, actor: .agent("etl-bot"),
///     inputs: [NodeID("dataset:pg://crm/public.customers")],
///     outputs: [NodeID("dataset:pg://staging/customers")]))
/// print(receipt.seq, receipt.leafHash)
/// ```
///
/// - Appends from any number of tasks are batched into one durable commit (group commit);
///   each append returns only after its events are on disk.
/// - Reads run in their own snapshot and never wait for the writer.
/// - Several processes may open the same store; LMDB serializes their writers.
public final class Ledger: Sendable {
    /// The store folder.
    public let path: String
    /// The log's origin: the name checkpoints are signed for (C2SP tlog-checkpoint).
    public let origin: String
    public let configuration: LedgerConfiguration
    /// The public key that checks this log's checkpoints (from `checkpoint.pub` in the store).
    public let verifierKey: NoteVerifierKey?
    let environment: Environment
    let schema: Schema
    private let writerSlot = Mutex<GroupCommitWriter?>(nil)
    /// Node ids and terms by key, for readers: interned names never change.
    let nodeNames = NameCache()
    let termNames = NameCache(limit: 10_000)
    /// Adjacency lists for readers, kept true by this process's writer.
    let edgeCache: EdgeCache

    /// Cores to prepare large appends on, read once: asking the system costs file reads.
    static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The store format this version reads and writes.
    public static let formatVersion = "3"

    /// The file holding the checkpoint signing key (mode 0600), in the store folder.
    public var signingKeyPath: String { path + "/checkpoint.key" }
    /// The file holding the public key that checks checkpoints, in the store folder.
    public var verifierKeyPath: String { path + "/checkpoint.pub" }

    private init(
        path: String, environment: Environment, schema: Schema, origin: String, configuration: LedgerConfiguration,
        verifierKey: NoteVerifierKey?, size: UInt64
    ) {
        self.path = path
        self.edgeCache = EdgeCache(committedSize: size, maxEdges: configuration.edgeCacheCapacity)
        self.environment = environment
        self.schema = schema
        self.origin = origin
        self.configuration = configuration
        self.verifierKey = verifierKey
    }

    deinit {
        writerSlot.withLock { $0?.requestStop() }
    }

    // MARK: Opening

    /// Creates a new, empty store at `path` (a folder, created with mode 0700).
    ///
    /// - Parameter origin: the log's name in checkpoints, e.g. `example.com/custos/prod`;
    ///   by default `custos/HOSTNAME/RANDOM`.
    /// Creates the checkpoint signing key (`checkpoint.key`, mode 0600) and its public key
    /// (`checkpoint.pub`) in the store folder, named after the origin.
    public static func create(at path: String, origin: String? = nil, configuration: LedgerConfiguration = LedgerConfiguration()) throws -> Ledger {
        if FileManager.default.fileExists(atPath: path + "/data.mdb") { throw LedgerError.storeExists(path: path) }
        if let origin {
            do { try NoteVerifierKey.checkName(origin) } catch { throw LedgerError.invalidOrigin(origin) }
        }
        return try open(at: path, configuration: configuration, createIfMissing: true, origin: origin)
    }

    /// Opens the store at `path`; with `createIfMissing`, creates it when there is none.
    ///
    /// A store written in an earlier format is upgraded as it opens, unless
    /// ``LedgerConfiguration/readOnly`` is set: then nothing is written, and such a store is
    /// refused with ``LedgerError/needsUpgrade(path:found:)``.
    public static func open(
        at path: String,
        configuration: LedgerConfiguration = LedgerConfiguration(),
        createIfMissing: Bool = false,
        origin: String? = nil
    ) throws -> Ledger {
        let exists = FileManager.default.fileExists(atPath: path + "/data.mdb")
        let readOnly = configuration.readOnly
        if !exists {
            // A folder this user may not search hides its files: say so, not "no store".
            if FileManager.default.fileExists(atPath: path) && !mayAccess(path, X_OK) { throw LedgerError.storage(.system(code: EACCES)) }
            guard createIfMissing && !readOnly else { throw LedgerError.noStore(path: path) }
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw LedgerError.storage(.system(code: EACCES))
            }
        }
        do {
            let environment = try openEnvironment(at: path, configuration: configuration)
            // Read-only, the format is checked before the databases are opened: an older
            // store may lack some of the current format's, and cannot be upgraded here.
            if readOnly { try checkFormatWithoutUpgrading(environment, path: path) }
            let schema = try Schema(environment: environment, create: !readOnly)
            let storedOrigin: String
            let size: UInt64
            if readOnly {
                guard let identity = try environment.read({ txn in try storedIdentity(in: txn, schema: schema, path: path) }) else {
                    throw LedgerError.noStore(path: path)
                }
                (storedOrigin, size) = identity
            } else {
                try FormatUpgrade.run(environment: environment, schema: schema)
                (storedOrigin, size) = try environment.write { txn -> (String, UInt64) in
                    if let identity = try storedIdentity(in: txn, schema: schema, path: path) { return identity }
                    let origin = origin ?? defaultOrigin()
                    try txn.put(Array(formatVersion.utf8), forKey: MetaKey.format, in: schema.meta)
                    try txn.put(Array(origin.utf8), forKey: MetaKey.origin, in: schema.meta)
                    try txn.put(Array(String(EdgeMapping.version).utf8), forKey: MetaKey.edgeMapping, in: schema.meta)
                    try txn.put(Array(Timestamp.now().description.utf8), forKey: MetaKey.created, in: schema.meta)
                    try txn.put(LogHead.empty.encoded, forKey: MetaKey.head, in: schema.meta)
                    return (origin, 0)
                }
            }
            if !exists {
                let signer = try NoteSigner.generate(name: storedOrigin)
                try signer.write(toNewFile: path + "/checkpoint.key")
                try (signer.verifierKey.description + "\n").write(toFile: path + "/checkpoint.pub", atomically: true, encoding: .utf8)
            }
            var verifierKey: NoteVerifierKey?
            if let text = try? String(contentsOfFile: path + "/checkpoint.pub", encoding: .utf8) {
                do { verifierKey = try NoteVerifierKey(parsing: text) } catch { throw LedgerError.corrupted("\(path)/checkpoint.pub: \(error)") }
            }
            return Ledger(path: path, environment: environment, schema: schema, origin: storedOrigin, configuration: configuration, verifierKey: verifierKey, size: size)
        } catch let error as LedgerError {
            throw error
        } catch let error as NoteError {
            throw LedgerError.noSigningKey("\(error)")
        } catch LMDBError.notFound {
            throw LedgerError.corrupted("the store at \(path) is missing one of its databases")
        } catch {
            throw LedgerError.from(error, path: path, mapSize: configuration.mapSize)
        }
    }

    /// The store's LMDB environment. Read-only, LMDB still opens `lock.mdb` for writing; when
    /// that is what it may not do, the error says so.
    private static func openEnvironment(at path: String, configuration: LedgerConfiguration) throws -> Environment {
        do {
            return try Environment(path: path, options: configuration.environmentOptions)
        } catch {
            let lockFile = path + "/lock.mdb"
            if configuration.readOnly, case .system(let code) = error, code == EACCES || code == EPERM,
               mayAccess(path + "/data.mdb", R_OK), FileManager.default.fileExists(atPath: lockFile), !mayAccess(lockFile, W_OK) {
                throw LedgerError.lockFileNotWritable(path: path)
            }
            throw error
        }
    }

    /// Whether this process, with its effective user and groups (as LMDB opens files), may
    /// access `path` in `mode`.
    private static func mayAccess(_ path: String, _ mode: Int32) -> Bool {
        faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0
    }

    /// The origin and size of an initialized store; nil for a store without its format record
    /// yet (a new one).
    private static func storedIdentity(
        in txn: borrowing some TransactionReading & ~Copyable, schema: Schema, path: String
    ) throws -> (origin: String, size: UInt64)? {
        guard let format = try txn.value(forKey: MetaKey.format, in: schema.meta) else { return nil }
        let found = String(decoding: format, as: UTF8.self)
        guard found == formatVersion else { throw LedgerError.incompatibleStore(path: path, found: found) }
        guard let origin = try txn.value(forKey: MetaKey.origin, in: schema.meta) else {
            throw LedgerError.corrupted("the store has no origin record")
        }
        return (String(decoding: origin, as: UTF8.self), try LogHead.read(in: txn, schema: schema).size)
    }

    /// Refuses a store that only an upgrade (a write) would make readable, or one that was
    /// never initialized.
    private static func checkFormatWithoutUpgrading(_ environment: Environment, path: String) throws {
        let meta: Database
        do {
            meta = try environment.openDatabase(named: "meta", create: false)
        } catch LMDBError.notFound {
            throw LedgerError.noStore(path: path)
        }
        guard let format = try environment.read({ txn in try txn.value(forKey: MetaKey.format, in: meta) }) else {
            throw LedgerError.noStore(path: path)
        }
        let found = String(decoding: format, as: UTF8.self)
        if FormatUpgrade.upgradableFormats.contains(found) { throw LedgerError.needsUpgrade(path: path, found: found) }
        guard found == formatVersion else { throw LedgerError.incompatibleStore(path: path, found: found) }
    }

    private static func defaultOrigin() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let random = (0..<4).map { _ in UInt8.random(in: 0...255) }
        return "custos/\(host.isEmpty ? "localhost" : host)/\(Hex.encode(random))"
    }

    /// Writes what is queued, stops the writer, and refuses further appends. Reads still work.
    public func close() async {
        let writer = writerSlot.withLock { $0 }
        await writer?.close()
    }

    // MARK: Appending

    /// Appends one event and returns once it is durable.
    public func append(_ event: Event) async throws -> AppendReceipt {
        let receipts = try await append(contentsOf: [event])
        guard let receipt = receipts.first else { throw LedgerError.corrupted("the writer returned no receipt") }
        return receipt
    }

    /// Appends events only if `precondition`, run in the write transaction against the store as
    /// it stands at that moment (appends earlier in the same commit included), returns nil;
    /// otherwise throws ``LedgerError/refused(_:)`` with the reason it returned, and writes
    /// nothing. Check-and-append is atomic across tasks and processes: LMDB has one writer.
    /// Keep the precondition short: the writer waits for it.
    public func append(contentsOf events: [Event], if precondition: @escaping AppendPrecondition) async throws -> [AppendReceipt] {
        try await append(contentsOf: events, precondition: precondition)
    }

    /// Appends events atomically, in order, and returns once they are durable: either all
    /// are appended or, on error, none.
    public func append(contentsOf events: [Event]) async throws -> [AppendReceipt] {
        try await append(contentsOf: events, precondition: nil)
    }

    private func append(contentsOf events: [Event], precondition: AppendPrecondition?) async throws -> [AppendReceipt] {
        guard !events.isEmpty else { return [] }
        // First, so that a read-only ledger refuses before preparing anything.
        let writer = try self.writer()
        guard events.count <= configuration.maxEventsPerAppend else {
            throw LedgerError.batchTooLarge(count: events.count, limit: configuration.maxEventsPerAppend)
        }
        if precondition == nil && events.count >= Ledger.streamedAppendMinimum && events.allSatisfy({ $0.clientEventID == nil }) {
            let stream = PreparedStream(count: events.count, chunkSize: Ledger.streamedChunkSize, prepare: preparer(for: events))
            return try await writer.submit(stream)
        }
        let prepared = try await prepare(events)
        var contentByScope: [[UInt8]: (index: Int, hash: Hash256)] = [:]
        for (index, ready) in prepared.enumerated() {
            guard let idempotency = ready.idempotency else { continue }
            if let earlier = contentByScope[idempotency.scope], earlier.hash != idempotency.contentHash {
                throw LedgerError.invalidEvent(index: index, EventError(field: "clientEventId", reason: "repeats the id of event \(earlier.index) of this batch with different content"))
            }
            contentByScope[idempotency.scope] = (index, idempotency.contentHash)
        }
        // Handing the events over lets the writer free them after it answers, off the
        // caller's path (10,000 prepared events take milliseconds to free).
        return try await writer.submit(consume prepared, precondition: precondition)
    }

    /// Appends at least this large, unconditional and without client event ids, are prepared
    /// while the writer stores them (``PreparedStream``), in chunks of ``streamedChunkSize``.
    static let streamedAppendMinimum = 4_096
    /// Small, so that the writer starts soon: it waits for the first chunk inside its
    /// transaction (256 events take about a millisecond to prepare here).
    static let streamedChunkSize = 256

    /// A function that validates, encodes and hashes the events of `events` in a range of
    /// indexes; the error names the first bad event by its index in `events`.
    private func preparer(for events: [Event]) -> @Sendable (Range<Int>) throws(LedgerError) -> [PreparedEvent] {
        let limits = configuration.limits
        let hasher = configuration.keyHasher
        return { (range: Range<Int>) throws(LedgerError) -> [PreparedEvent] in
            var prepared: [PreparedEvent] = []
            prepared.reserveCapacity(range.count)
            for index in range {
                do throws(EventError) {
                    prepared.append(try PreparedEvent(events[index], limits: limits, hasher: hasher))
                } catch {
                    throw LedgerError.invalidEvent(index: index, error)
                }
            }
            return prepared
        }
    }

    /// Validates, encodes and hashes events off the writer's thread; large batches are split
    /// across the cores.
    private func prepare(_ events: [Event]) async throws -> [PreparedEvent] {
        let prepareSlice = preparer(for: events)
        let workers = min(Ledger.processorCount, events.count / 1_000)
        guard workers > 1 else { return try prepareSlice(0..<events.count) }
        let chunk = (events.count + workers - 1) / workers
        return try await withThrowingTaskGroup(of: (Int, [PreparedEvent]).self) { group in
            for worker in 0..<workers {
                let range = worker * chunk..<min(events.count, (worker + 1) * chunk)
                group.addTask { (worker, try prepareSlice(range)) }
            }
            var slices = [[PreparedEvent]](repeating: [], count: workers)
            for try await (worker, slice) in group { slices[worker] = slice }
            return slices.flatMap { $0 }
        }
    }

    func writer() throws(LedgerError) -> GroupCommitWriter {
        if configuration.readOnly { throw LedgerError.readOnly(path: path) }
        return writerSlot.withLock { slot in
            if let writer = slot { return writer }
            let writer = GroupCommitWriter(environment: environment, schema: schema, configuration: configuration, signing: signing(), edgeCache: edgeCache)
            slot = writer
            return writer
        }
    }

    /// How the writer signs checkpoints: with the key file, when it is there and private.
    private func signing() -> BatchWriter.Signing {
        var signing = BatchWriter.Signing(origin: origin, signer: nil, unavailable: "", policy: configuration.checkpointPolicy)
        do {
            signing.signer = try NoteSigner.read(from: signingKeyPath)
        } catch {
            signing.unavailable = FileManager.default.fileExists(atPath: signingKeyPath)
                ? "\(error)" : "no signing key at \(signingKeyPath); a store made by `custos init` has one"
        }
        return signing
    }

    /// The writer's counters (all zero before the first append).
    public var writerStatistics: WriterStatistics {
        writerSlot.withLock { $0?.currentStatistics } ?? WriterStatistics()
    }

    // MARK: Reading

    /// The tip of the log as last committed.
    public func head() throws -> LogHead {
        try read { txn in try LogHead.read(in: txn, schema: schema) }
    }

    /// Runs `body` in a read snapshot, mapping storage errors to ``LedgerError``.
    func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        do {
            return try environment.read(body)
        } catch let error as LMDBError {
            throw LedgerError.from(error, path: path, mapSize: environment.mapSize)
        }
    }

    /// Calls `body` with the stored bytes of the entry at `seq`, valid only inside `body`.
    public func withEntryBytes<R>(at seq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try read { txn in
            let result = try Keys.seq(seq).withUnsafeBytes { key in try txn.withValue(forKey: key, in: schema.entries, body) }
            guard let result else { throw LedgerError.noSuchEntry(seq: seq, size: try LogHead.read(in: txn, schema: schema).size) }
            return result
        }
    }

    /// The entry at `seq`, decoded and checked.
    public func entry(at seq: UInt64) throws -> LedgerEntry {
        try withEntryBytes(at: seq) { bytes in
            do { return try LedgerEntry(bytes: bytes) } catch { throw LedgerError.unreadableEntry(at: seq, error) }
        }
    }

    /// Visits stored entries in order from `start` while `body` returns true, in one snapshot.
    public func forEachEntry(from start: UInt64 = 0, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
        try read { txn in
            try Keys.seq(start).withUnsafeBytes { startKey in
                try txn.forEach(in: schema.entries, from: startKey) { key, value in
                    guard key.count == 8 else { throw LedgerError.corrupted("an entry key is not 8 bytes") }
                    return try body(key.loadBigEndianUInt64(at: 0), value)
                }
            }
        }
    }

    /// Up to `limit` entries from `start`, decoded.
    public func entries(from start: UInt64, limit: Int) throws -> [LedgerEntry] {
        var result: [LedgerEntry] = []
        guard limit > 0 else { return result }
        try forEachEntry(from: start) { seq, bytes in
            do { result.append(try LedgerEntry(bytes: bytes)) } catch { throw LedgerError.unreadableEntry(at: seq, error) }
            return result.count < limit
        }
        return result
    }

    /// The leaf hash of the entry at `seq`, from the Merkle tree.
    public func leafHash(at seq: UInt64) throws -> Hash256 {
        try read { txn in
            let size = try LogHead.read(in: txn, schema: schema).size
            guard seq < size else { throw LedgerError.noSuchEntry(seq: seq, size: size) }
            let hash = try Keys.tree(end: seq, level: 0).withUnsafeBytes { key in
                try txn.withValue(forKey: key, in: schema.tree) { Hash256(bytes: $0) }
            }
            guard let hash, let hash else { throw LedgerError.corrupted("the leaf hash of seq \(seq) is missing from the Merkle tree") }
            return hash
        }
    }
}
