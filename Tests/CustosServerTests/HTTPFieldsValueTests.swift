import HTTPTypes
import Testing

@testable import CustosServer

@Suite("Reading a request's header")
struct HTTPFieldsValueTests {
    @Test("a field sent once gives its value, whatever the case of its name; a repeated one gives the joined form; an absent one nil")
    func values() throws {
        let apiKey = try #require(HTTPField.Name("X-API-Key"))
        var fields = HTTPFields()
        #expect(fields.value(.authorization) == nil)
        fields.append(HTTPField(name: try #require(HTTPField.Name("authorization")), value: "Bearer custos_0123abcd_secret"))
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        #expect(fields.value(.authorization) == "Bearer custos_0123abcd_secret")
        #expect(fields.value(.contentType) == "application/json")
        #expect(fields.value(apiKey) == nil)
        // Two credentials are never one: the joined text is what the middleware sees, and refuses.
        fields.append(HTTPField(name: .authorization, value: "Bearer other"))
        #expect(fields.value(.authorization) == "Bearer custos_0123abcd_secret, Bearer other")
        #expect(fields.value(.authorization) == fields[.authorization])
    }
}
