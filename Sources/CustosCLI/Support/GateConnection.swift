import ArgumentParser
import CustosGate
import CustosLedger
import CustosMasking
import Foundation

/// How the gate commands reach a gate: a server (`--server`, with the API key from
/// `CUSTOS_API_KEY` or `--key-file`), or the local store as `--as IDENTITY`.
struct GateConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A Custos server's address; defaults to $CUSTOS_SERVER. Without it, the local store is used.", valueName: "url"))
    var server: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("A file holding the API key (mode 0600); defaults to $CUSTOS_API_KEY.", valueName: "path"))
    var keyFile: String?

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("as"), help: ArgumentHelp("On the local store: who acts (human:…, agent:…); defaults to $CUSTOS_IDENTITY.", valueName: "id"))
    var identity: String?

    @Option(name: .customLong("policy"), help: ArgumentHelp("On the local store: the gate policy file; defaults to $CUSTOS_GATE_POLICY, then one human approval for everything.", valueName: "path"))
    var policyPath: String?

    var serverURL: String? {
        server ?? ProcessInfo.processInfo.environment["CUSTOS_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The gate this command talks to.
    func connect() async throws -> GateConnection {
        let environment = ProcessInfo.processInfo.environment
        if let serverURL {
            guard let url = URL(string: serverURL), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--server must be an http or https URL, such as http://127.0.0.1:8080")
            }
            let key: String
            if let keyFile {
                key = String(decoding: try SecretFile.read(keyFile), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let fromEnvironment = environment["CUSTOS_API_KEY"], !fromEnvironment.isEmpty {
                key = fromEnvironment
            } else {
                throw ValidationError("a server needs an API key: set CUSTOS_API_KEY or pass --key-file")
            }
            return .remote(RemoteGate(server: url, apiKey: key))
        }
        let ledger = try storeOptions.open()
        var policy = GatePolicy.standard
        if let path = policyPath ?? environment["CUSTOS_GATE_POLICY"].flatMap({ $0.isEmpty ? nil : $0 }) {
            policy = try GatePolicy.load(contentsOf: path)
        }
        let key = try PseudonymKey.load(from: ledger.path + "/" + PseudonymKey.fileName, createIfMissing: true)
        let gate = try Gate(ledger: ledger, policy: policy, masker: Masker(key: key), maskingKey: key)
        let actor = try (identity ?? environment["CUSTOS_IDENTITY"].flatMap { $0.isEmpty ? nil : $0 }).map { try Actor(id: $0) }
        return .local(gate, actor)
    }
}

/// A gate reached one way or the other, with what the commands need of it.
enum GateConnection {
    case local(Gate, Actor?)
    case remote(RemoteGate)

    func actor() throws -> Actor {
        guard case .local(_, let actor) = self else { throw ValidationError("no identity: this is a server connection") }
        guard let actor else { throw ValidationError("on the local store, say who acts: --as human:you@example.com (or set CUSTOS_IDENTITY)") }
        return actor
    }

    func client() throws -> any GateClient {
        switch self {
        case .local(let gate, _): return gate.client(as: try actor())
        case .remote(let remote): return remote
        }
    }

    func requests(status: ApprovalStatus?, limit: Int) async throws -> [ApprovalRequest] {
        switch self {
        case .local(let gate, _): return try gate.requests(status: status, limit: limit)
        case .remote(let remote): return try await remote.requests(status: status, limit: limit)
        }
    }

    func request(_ id: NodeID) async throws -> ApprovalRequest {
        switch self {
        case .local(let gate, _): return try gate.request(id)
        case .remote(let remote): return try await remote.status(of: id)
        }
    }

    func approve(_ id: NodeID, reason: String?) async throws -> ApprovalRequest {
        switch self {
        case .local(let gate, _): return try await gate.approve(id, by: try actor(), reason: reason)
        case .remote(let remote): return try await remote.approve(id, reason: reason)
        }
    }

    func deny(_ id: NodeID, reason: String) async throws -> ApprovalRequest {
        switch self {
        case .local(let gate, _): return try await gate.deny(id, by: try actor(), reason: reason)
        case .remote(let remote): return try await remote.deny(id, reason: reason)
        }
    }

    func revoke(_ id: NodeID, reason: String) async throws -> ApprovalRequest {
        switch self {
        case .local(let gate, _): return try await gate.revoke(id, by: try actor(), reason: reason)
        case .remote(let remote): return try await remote.revoke(id, reason: reason)
        }
    }

    func close() async {
        if case .local(let gate, _) = self { await gate.ledger.close() }
    }
}

/// `request:ID`, or the ID alone.
func requestNode(_ text: String) throws -> NodeID {
    do { return try NodeID(text.utf8.starts(with: "request:".utf8) ? text : "request:" + text) } catch { throw ValidationError("\"\(text)\" is not a request id") }
}
