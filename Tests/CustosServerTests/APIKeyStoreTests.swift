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

    @Test("a key's id is the eight bytes between custos_ and the next underscore, and nothing else is taken for one")
    func keyIDs() {
        #expect(APIKeyStore.id(of: "custos_0123abcd_secret") == "0123abcd")
        #expect(APIKeyStore.id(of: "custos_0123abcd_s") == "0123abcd")
        #expect(APIKeyStore.id(of: "custos_0123abcd_with_more_underscores") == "0123abcd")
        // Eight bytes, not eight characters: whatever they are, only the record's hash decides.
        #expect(APIKeyStore.id(of: "custos_é123abc_secret") == "é123abc")
        for refused in [
            "", "custos_", "custos_0123abcd", "custos_0123abcd_", "custos_0123abc_secret", "custos_0123abcde_secret",
            "custos_0123_bcd_secret", "Custos_0123abcd_secret", "xcustos_0123abcd_secret", "custos-0123abcd_secret",
            "custos_0123abcd-secret", "custos_é1234abc_secret",
        ] {
            #expect(APIKeyStore.id(of: refused) == nil, "\(refused)")
        }
    }
}
