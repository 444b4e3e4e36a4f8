import CustosEvidence
import CustosLedger
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/evidence`: the same bundle as `custos evidence`, streamed back as a zip.
enum EvidenceRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        routes.add(.post, "/v1/evidence") { request, _ in
            let body = try await GateRoutes.object(of: request, state)
            guard let name = body["framework"]?.stringValue, let framework = EvidenceFramework(rawValue: name.lowercased()) else {
                throw APIError.badRequest("invalid_request", "framework is required: \(EvidenceFramework.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            guard let from = body["from"]?.stringValue, let to = body["to"]?.stringValue else {
                throw APIError.badRequest("invalid_request", "from and to are required: the period's first and last days, such as 2026-01-01 and 2026-03-31")
            }
            let period: EvidencePeriod
            do { period = try EvidencePeriod(from: from, to: to) } catch { throw APIError.badRequest("invalid_period", "\(error)") }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("custos-bundle-\(UUID().uuidString).zip")
            do {
                _ = try await EvidenceBuilder(ledger: state.ledger).build(framework: framework, period: period, to: file)
            } catch let error as EvidenceError {
                try? FileManager.default.removeItem(at: file)
                throw APIError(.unprocessableContent, "cannot_build", error.description, hint: "check the period and that the store has a signing key")
            }
            guard let handle = try? FileHandle(forReadingFrom: file) else { throw APIError(.internalServerError, "storage_error", "the bundle was written but cannot be read back") }
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int ?? 0
            // The file is gone from the folder at once; the open handle keeps it readable while streaming.
            try? FileManager.default.removeItem(at: file)
            let streamed = ResponseBody(contentLength: size) { writer in
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            headers[.contentDisposition] = "attachment; filename=\"custos-\(framework.rawValue)-\(period.from)-\(period.to).zip\""
            return Response(status: .ok, headers: headers, body: streamed)
        }
    }
}
