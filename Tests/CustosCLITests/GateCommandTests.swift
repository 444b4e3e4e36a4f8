import CustosLedger
import CustosTestSupport
import Foundation
import Testing

/// `custos gate -- CMD` and `custos approvals`, as separate processes on one store: the agent
/// waits in one, a person decides in another.
@Suite("custos gate and custos approvals")
struct GateCommandTests {
    let folder = TemporaryDirectory("custos-gate-cli")
    var store: String { folder.file("store") }

    /// Starts `custos gate` as the agent, with `script` as the command, and returns it with
    /// the id of its pending request.
    func ask(_ script: String, action: String = "export", justification: String = "quarterly report") async throws -> (ChildProcess, String) {
        let gate = try ChildProcess([
            "gate", "--store", store, "--as", "agent:etl-bot", "--action", action, "--resource", "dataset:crm/customers",
            "--justification", justification, "--payload", "for ann.lee@example.com", "--timeout", "2m", "--", "sh", "-c", script,
        ], environment: ["CUSTOS_API_KEY": "custos_0000abcd_the-agents-own-key"])
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let listed = try runCustos(["approvals", "list", "--store", store, "--status", "pending", "--json"])
            if let line = listed.standardOutput.split(separator: "\n").first, let id = try JSONParser.parse(String(line))["id"]?.stringValue {
                return (gate, id)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        gate.kill()
        throw CancellationError()
    }

    @Test("asks, waits for a person, runs the command with its token, masks its output and records the outcome")
    func approvedRun() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        // init makes the gate's token key, so that no two gate commands race to make it.
        var info = stat()
        #expect(stat(store + "/gate.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(FileManager.default.fileExists(atPath: store + "/gate.pub"))
        let (gate, id) = try await ask(
            #"echo "mailed ann.lee@example.com"; echo "token ${CUSTOS_GATE_TOKEN%%.*} for $CUSTOS_GATE_REQUEST"; echo "key ${CUSTOS_API_KEY:-withheld}"; echo "warn: bob@example.com" >&2; exit 3"#,
            justification: "quarterly report\u{1b}[2K\r  action         read_sensitive"
        )

        // The agent cannot approve its own request, and the refusal is on record.
        let own = try runCustos(["approvals", "approve", id, "--store", store, "--as", "agent:etl-bot"])
        #expect(own.status == 77, "\(own.standardError)")
        let shown = try runCustos(["approvals", "show", id, "--store", store])
        #expect(shown.status == 0 && shown.standardOutput.contains("pending") && shown.standardOutput.contains("refused"), "\(shown.standardOutput)")
        #expect(!shown.standardOutput.contains("ann.lee@example.com"), "the payload is shown masked")
        // What the agent wrote cannot move the approver's cursor: control characters are spelled out.
        #expect(!shown.standardOutput.contains("\u{1b}") && shown.standardOutput.contains(#"quarterly report\u{1b}[2K\u{d}"#), "\(shown.standardOutput)")

        let approved = try runCustos(["approvals", "approve", id, "--store", store, "--as", "human:alice@example.com", "--reason", "checked"])
        #expect(approved.status == 0, "\(approved.standardError)")

        let result = gate.wait()
        #expect(result.status == 3, "the command's exit status is custos gate's: \(result.standardError)")
        #expect(result.standardOutput.contains("mailed <EMAIL>") && !result.standardOutput.contains("ann.lee"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("token cgt1 for \(id)"))
        #expect(result.standardOutput.contains("key withheld"), "the command does not get the agent's own key")
        #expect(result.standardError.contains("warn: <EMAIL>") && !result.standardError.contains("bob@example.com"))
        #expect(result.standardError.contains("approved by human:alice@example.com"))

        let final = try JSONParser.parse(try runCustos(["approvals", "show", id, "--store", store, "--json"]).standardOutput)
        #expect(final["status"]?.stringValue == "executed")
        let outcome = try #require(final["outcome"])
        #expect(outcome["succeeded"]?.boolValue == false)
        #expect(outcome["attributes"]?["exitStatus"]?.numberValue == 3)
        #expect(outcome["attributes"]?["outputFindings"]?["email"]?.numberValue == 1)
        #expect(outcome["attributes"]?["errorOutputFindings"]?["email"]?.numberValue == 1)
        #expect(outcome["attributes"]?["outputSHA256"] == nil, "no plain hash of the raw output")
        #expect(outcome["attributes"]?["outputHmacSHA256"]?.stringValue?.count == 64)
        #expect(try runCustos(["verify", "--store", store]).status == 0)
    }

    @Test("a denied request never runs the command and exits 77; a timeout withdraws the request and exits 75")
    func deniedAndTimedOut() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let marker = folder.file("ran")
        let (gate, id) = try await ask("touch \(marker)")
        let denied = try runCustos(["approvals", "deny", id, "--store", store, "--as", "human:alice@example.com", "--reason", "not this quarter"])
        #expect(denied.status == 0, "\(denied.standardError)")
        let result = gate.wait()
        #expect(result.status == 77, "\(result.standardError)")
        #expect(result.standardError.contains("not this quarter"))
        #expect(!FileManager.default.fileExists(atPath: marker))

        let waited = try runCustos([
            "gate", "--store", store, "--as", "agent:etl-bot", "--action", "export", "--resource", "dataset:x", "--justification", "j",
            "--timeout", "1s", "--", "touch", marker,
        ])
        #expect(waited.status == 75, "\(waited.standardError)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let revoked = try runCustos(["approvals", "list", "--store", store, "--status", "revoked", "--json"])
        #expect(revoked.standardOutput.split(separator: "\n").count == 1)
    }

    /// Reads `file` as the process id a script wrote there, and ends that process.
    func killWrittenPID(_ file: String) {
        if let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
    }

    @Test("a command that leaves a background process holding its output does not keep custos gate waiting")
    func backgroundProcessKeepsOutputOpen() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let pidFile = folder.file("background.pid")
        defer { killWrittenPID(pidFile) }
        let (gate, id) = try await ask("echo finished; sleep 120 & echo $! > \(pidFile)")
        #expect(try runCustos(["approvals", "approve", id, "--store", store, "--as", "human:alice@example.com"]).status == 0)
        let started = ContinuousClock.now
        let result = gate.wait()
        // Before, custos gate read until the background sleep closed the pipe: two minutes.
        #expect(ContinuousClock.now - started < .seconds(60), "custos gate waited for the background process")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("finished"), "\(result.standardOutput)")
        #expect(result.standardError.contains("holds its output open"), "\(result.standardError)")
        let final = try JSONParser.parse(try runCustos(["approvals", "show", id, "--store", store, "--json"]).standardOutput)
        #expect(final["outcome"]?["attributes"]?["outputLeftOpen"]?.boolValue == true)
        #expect(final["outcome"]?["succeeded"]?.boolValue == true)
    }

    @Test("a signal while the command runs is passed on to it, and its end is recorded")
    func signalWhileRunning() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let running = folder.file("running")
        let pidFile = folder.file("sleep.pid")
        defer { killWrittenPID(pidFile) }
        let (gate, id) = try await ask("sleep 120 & echo $! > \(pidFile); touch \(running); wait")
        #expect(try runCustos(["approvals", "approve", id, "--store", store, "--as", "human:alice@example.com"]).status == 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: running) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try #require(FileManager.default.fileExists(atPath: running))
        gate.kill(SIGTERM)
        let result = gate.wait()
        // The shell died of the SIGTERM custos gate passed on; custos gate itself exited normally.
        #expect(!result.wasSignaled && result.status == 128 + SIGTERM, "\(result.status) \(result.standardError)")
        let final = try JSONParser.parse(try runCustos(["approvals", "show", id, "--store", store, "--json"]).standardOutput)
        #expect(final["status"]?.stringValue == "executed")
        #expect(final["outcome"]?["attributes"]?["signal"]?.numberValue == Double(SIGTERM), "\(final)")
        #expect(final["outcome"]?["attributes"]?["exitStatus"]?.numberValue == Double(128 + SIGTERM))
    }

    @Test("a signal ignored when custos gate started (nohup) stays ignored, in custos and in the command")
    func ignoredSignalStaysIgnored() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let running = folder.file("running")
        let policy = folder.file("allow.yaml")
        try "version: 1\nrules:\n  - action: export\n    decision: allow\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // As nohup does: SIGHUP ignored, then custos gate in its place.
        process.arguments = [
            "-c", #"trap '' HUP; exec "$0" gate --store "$1" --policy "$2" --as agent:etl-bot --action export --resource dataset:x --justification j -- sh -c "touch $3; sleep 2; echo finished""#,
            CustosBinary.path, store, policy, running,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: running) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try #require(FileManager.default.fileExists(atPath: running))
        kill(process.processIdentifier, SIGHUP)
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationStatus)")
        #expect(String(decoding: printed, as: UTF8.self).contains("finished"))
    }

    @Test("a signal while waiting for a decision withdraws the request and never runs the command")
    func signalWhileWaiting() async throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let marker = folder.file("ran")
        let (gate, id) = try await ask("touch \(marker)")
        gate.kill(SIGINT)
        let result = gate.wait()
        #expect(!result.wasSignaled && result.status == 128 + SIGINT, "\(result.status) \(result.standardError)")
        #expect(result.standardError.contains("interrupted"), "\(result.standardError)")
        let final = try JSONParser.parse(try runCustos(["approvals", "show", id, "--store", store, "--json"]).standardOutput)
        #expect(final["status"]?.stringValue == "revoked", "\(final)")
        // An approval now finds nothing to approve, and the command never ran.
        #expect(try runCustos(["approvals", "approve", id, "--store", store, "--as", "human:alice@example.com"]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("usage errors: no command, a bad duration, no identity on a local store")
    func usage() throws {
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let noCommand = try runCustos(["gate", "--store", store, "--as", "agent:a", "--action", "export", "--resource", "dataset:x", "--justification", "j"])
        #expect(noCommand.status == 64 && noCommand.standardError.contains("after --"))
        let badTimeout = try runCustos(["gate", "--store", store, "--as", "agent:a", "--action", "export", "--resource", "dataset:x", "--justification", "j", "--timeout", "soon", "--", "true"])
        #expect(badTimeout.status == 64 && badTimeout.standardError.contains("--timeout"))
        let hugeTimeout = try runCustos(["gate", "--store", store, "--as", "agent:a", "--action", "export", "--resource", "dataset:x", "--justification", "j", "--timeout", "1e16s", "--", "true"])
        #expect(hugeTimeout.status == 64 && hugeTimeout.standardError.contains("30d"), "\(hugeTimeout.standardError)")
        let nobody = try runCustos(["approvals", "approve", "request:abc", "--store", store])
        #expect(nobody.status == 64 && nobody.standardError.contains("--as"), "\(nobody.standardError)")
    }
}
