import CustosLedger
import CustosTestSupport
import Testing

@testable import CustosServer

@Suite("API keys")
struct APIKeyStoreTests {
    @Test("a key proves its identity; the same id with any other secret, or a key cut short or grown, proves nothing")
    func onlyTheWholeKey() throws {
        let folder = TemporaryDirectory("custos-keys")
        let store = APIKeyStore(storePath: folder.path)
        let (record, key) = try store.create(identity: NodeID("agent:etl-bot"), roles: [.agent])
        let principal = try #require(store.authenticate(key))
        #expect(principal.identity.rawValue == "agent:etl-bot" && principal.roles == [.agent] && principal.keyID == record.id)
        var altered = Array(key.utf8)
        for position in [altered.count - 1, altered.count / 2 + 8] {
            let original = altered[position]
            altered[position] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(store.authenticate(String(decoding: altered, as: UTF8.self)) == nil)
            altered[position] = original
        }
        #expect(store.authenticate(String(key.dropLast())) == nil)
        #expect(store.authenticate(key + "A") == nil)
        #expect(store.authenticate("custos_\(record.id)_") == nil)
        #expect(store.authenticate("") == nil)
    }
}
