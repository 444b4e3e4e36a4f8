import Hummingbird
import HummingbirdCore

/// A request's query parameters, parsed once. Hummingbird parses the query string again on
/// every `uri.queryParameters`; a route that reads several parameters keeps one of these.
struct QueryParameters {
    private let parameters: FlatDictionary<Substring, Substring>

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// A parameter as text, or nil when absent or empty.
    func text(_ name: String) -> String? {
        parameters[Substring(name)].flatMap { $0.isEmpty ? nil : String($0) }
    }

    static let hint = "fix the query parameter; GET /openapi.json describes each route's parameters"

    /// A parameter as an integer in `range`, or nil when absent.
    func integer(_ name: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = text(name) else { return nil }
        guard let value = Int(text) else { throw APIError.badRequest("invalid_parameter", "\(name) must be a whole number, not \"\(text)\"", hint: Self.hint) }
        if let range, !range.contains(value) {
            throw APIError.badRequest("invalid_parameter", "\(name) must be from \(range.lowerBound) to \(range.upperBound), not \(value)", hint: Self.hint)
        }
        return value
    }

    /// A yes-or-no parameter: `true` or `false`; false when absent.
    func boolean(_ name: String) throws -> Bool {
        switch text(name) {
        case nil, "false": return false
        case "true": return true
        case let other?: throw APIError.badRequest("invalid_parameter", "\(name) must be true or false, not \"\(other)\"", hint: Self.hint)
        }
    }
}

extension Request {
    /// The query parameters, parsed (once per call: keep the value to read several).
    var query: QueryParameters { QueryParameters(self) }

    /// A query parameter as an integer in `range`, or nil when absent.
    func integer(_ name: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        try query.integer(name, in: range)
    }

    /// A query parameter as `true` or `false`; false when absent.
    func boolean(_ name: String) throws -> Bool {
        try query.boolean(name)
    }

    /// A query parameter as text, or nil when absent.
    func text(_ name: String) -> String? {
        query.text(name)
    }
}
