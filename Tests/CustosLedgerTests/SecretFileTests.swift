import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@Suite("Secret files")
struct SecretFileTests {
    @Test("racing creators: exactly one wins, readers never see half a key, nothing is left behind")
    func race() async throws {
        let folder = TemporaryDirectory("custos-secret")
        for round in 0..<20 {
            let path = folder.file("key-\(round)")
            // Large contents, so that a reader racing a plain write would catch it half done.
            let candidates = (0..<8).map { writer in [UInt8](repeating: UInt8(65 + writer), count: 256 * 1024) }
            let outcomes = await withTaskGroup(of: (won: Bool, read: [UInt8]?).self) { group in
                for contents in candidates {
                    group.addTask {
                        let won = (try? SecretFile.create(path, contents: contents)) != nil
                        return (won, try? SecretFile.read(path))
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.won).count == 1, "round \(round)")
            let final = try SecretFile.read(path)
            #expect(candidates.contains(final))
            for outcome in outcomes { if let read = outcome.read { #expect(read == final, "a reader saw a partial key in round \(round)") } }
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".partial-") }
        #expect(left.isEmpty, "\(left)")
    }
}
