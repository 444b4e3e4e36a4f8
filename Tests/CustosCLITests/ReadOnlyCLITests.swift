import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@Suite("custos command line: reading a store read-only")
struct ReadOnlyCLITests {
    /// A store of six events, at `folder/store`.
    static func sampleStore(in folder: TemporaryDirectory) throws -> String {
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let appended = try runCustos(["append", "--store", store], input: EventFactory.sampleLines.joined(separator: "\n") + "\n")
        #expect(appended.status == 0, "\(appended.standardError)")
        return store
    }

    @Test("verify, get, tail, stats, query, trace, export, checkpoint, checkpoints and prove take --read-only, and leave the data file as it was")
    func readOnlyFlag() throws {
        let folder = TemporaryDirectory("custos-cli-read-only")
        let store = try Self.sampleStore(in: folder)
        let dataFile = store + "/data.mdb"
        let before = try Data(contentsOf: URL(fileURLWithPath: dataFile))

        let verified = try runCustos(["verify", "--store", store, "--read-only"])
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardOutput.contains("OK: 6 entries verified"))
        for arguments in [
            ["get", "--store", store, "--read-only", "5"], ["tail", "--store", store, "--read-only", "-n", "2"],
            ["stats", "--store", store, "--read-only"], ["export", "--store", store, "--read-only"],
            ["checkpoint", "--store", store, "--read-only"], ["checkpoints", "--store", store, "--read-only"],
            ["prove", "inclusion", "--store", store, "--read-only", "2", "--size", "6"], ["prove", "consistency", "--store", store, "--read-only", "3", "6"],
            ["query", "--store", store, "--read-only", "COUNT EVENTS BY kind"], ["trace", "--store", store, "--read-only", "dataset:pg://crm/public.customers", "--down"],
        ] {
            let result = try runCustos(arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.standardError)")
            #expect(!result.standardOutput.isEmpty, "\(arguments[0])")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dataFile)) == before)
        // Appending has no such flag, and signing a checkpoint refuses it.
        #expect(try runCustos(["append", "--store", store, "--read-only", EventFactory.sampleLines[0]]).status == 64)
        #expect(try runCustos(["checkpoint", "--store", store, "--read-only", "--sign"]).status == 64)
        #expect(try runCustos(["prove", "inclusion", "--store", store, "--read-only", "--sign", "2"]).status == 64)
    }

    @Test("serve --read-only creates no store and fills none: a missing store is an error, --demo a usage error")
    func serveReadOnlyRefusals() throws {
        let folder = TemporaryDirectory("custos-cli-read-only")
        let missing = folder.file("nothing-here")
        let served = try runCustos(["serve", "--store", missing, "--read-only", "--port", "0"])
        #expect(served.status == 66, "\(served.standardError)")
        #expect(served.standardError.contains("no store at \(missing)"), "\(served.standardError)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        let store = try Self.sampleStore(in: folder)
        let demo = try runCustos(["serve", "--store", store, "--read-only", "--demo", "--port", "0"])
        #expect(demo.status == 64, "\(demo.standardError)")
        #expect(demo.standardError.contains("--demo"), "\(demo.standardError)")
    }

    @Test("a user who may read the store but not write it verifies it read-only, and is told what to do when even lock.mdb is not writable")
    func auditorWithoutWriteAccess() throws {
        let folder = TemporaryDirectory("custos-cli-read-only")
        let store = try Self.sampleStore(in: folder)
        // As root, file modes do not bind: run the command as `nobody`, from a copy of the
        // binary that it may execute. As anyone else, the modes below bind the test's own user.
        let asRoot = geteuid() == 0
        let binary = folder.file("custos")
        try FileManager.default.copyItem(atPath: CustosBinary.path, toPath: binary)
        func mode(_ path: String, _ mode: Int) throws {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        try mode(folder.path, 0o755)
        try mode(binary, 0o755)
        try mode(store, 0o555)
        for file in try FileManager.default.contentsOfDirectory(atPath: store) { try mode(store + "/" + file, 0o444) }
        try mode(store + "/lock.mdb", 0o666)
        defer { try? mode(store, 0o755) }
        func custos(_ arguments: [String]) throws -> (status: Int32, output: String) {
            asRoot ? try runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments) : try runProgram(binary, arguments)
        }

        let data = try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb"))
        let verified = try custos(["verify", "--store", store])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("reading it read-only"), "\(verified.output)")
        #expect(verified.output.contains("OK: 6 entries verified (seq 0 to 5), indexes checked"), "\(verified.output)")
        #expect(try custos(["get", "--store", store, "3"]).status == 0)
        let appended = try custos(["append", "--store", store, EventFactory.sampleLines[0]])
        #expect(appended.status != 0, "\(appended.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb")) == data)

        try mode(store + "/lock.mdb", 0o444)
        let refused = try custos(["verify", "--store", store])
        #expect(refused.status == 77, "\(refused.output)")
        #expect(refused.output.contains("needs write access to \(store)/lock.mdb"), "\(refused.output)")

        // A data file this user may not read is a permission error, not a lock file's.
        try mode(store + "/lock.mdb", 0o666)
        try mode(store + "/data.mdb", 0o000)
        let unreadable = try custos(["verify", "--store", store])
        #expect(unreadable.status == 74, "\(unreadable.output)")
        #expect(unreadable.output.contains("permission denied"), "\(unreadable.output)")
        #expect(!unreadable.output.contains("lock.mdb"), "\(unreadable.output)")

        // So is a folder this user may not search: not "no store".
        try mode(store + "/data.mdb", 0o444)
        try mode(store, 0o644)
        let hidden = try custos(["verify", "--store", store])
        #expect(hidden.status == 74, "\(hidden.output)")
        #expect(hidden.output.contains("permission denied"), "\(hidden.output)")
    }
}
