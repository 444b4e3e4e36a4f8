import CustosLedger
import Foundation
import Testing

@testable import CustosQuery

/// Every LQL example in docs/LQL.md and every file in queries/ parses and runs.
@Suite("Documented examples and the queries library")
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var examples: [String] {
        guard let text = try? String(contentsOf: root.appendingPathComponent("docs/LQL.md"), encoding: .utf8) else { return [] }
        return text.components(separatedBy: "```lql\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
    }

    static var libraryFiles: [String] {
        let folder = root.appendingPathComponent("queries")
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".lql") }.sorted()
    }

    func parameters(_ store: GeneratedStore) -> [String: String] {
        ["from": "2020-01-01", "to": "2099-12-31", "checkpoint": String(store.checkpointSize)]
    }

    @Test("docs/LQL.md has examples, and each one runs")
    func documentationExamples() async throws {
        let store = try await GeneratedStore.shared.value
        let engine = QueryEngine(ledger: store.ledger)
        #expect(Self.examples.count >= 19)
        for example in Self.examples {
            do {
                _ = try engine.run(example, options: QueryOptions(parameters: parameters(store)))
            } catch {
                Issue.record("docs/LQL.md example failed:\n\(example)\n\(error)")
            }
        }
    }

    @Test("every queries/ file has its header, parses and runs")
    func library() async throws {
        let store = try await GeneratedStore.shared.value
        let engine = QueryEngine(ledger: store.ledger)
        let files = Self.libraryFiles
        #expect(files.filter { $0.hasPrefix("soc2/") }.count >= 6)
        #expect(files.filter { $0.hasPrefix("hipaa/") }.count >= 6)
        for file in files {
            let text = try String(contentsOf: Self.root.appendingPathComponent("queries/" + file), encoding: .utf8)
            for header in ["-- Purpose:", "-- Control:", "-- Parameters:"] {
                #expect(text.contains(header), "\(file) lacks \(header)")
            }
            do {
                _ = try engine.run(text, options: QueryOptions(parameters: parameters(store)))
            } catch {
                Issue.record("queries/\(file) failed: \(error)")
            }
        }
    }
}
