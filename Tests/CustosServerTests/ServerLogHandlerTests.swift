import Logging
import Synchronization
import Testing

@testable import CustosServer

@Suite("Server log lines")
struct ServerLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    @Test("one line per message: time, level, label, metadata sorted with call metadata winning, source, message; nothing below the level")
    func format() {
        let lines = Lines()
        var logger = Logger(label: "custos") { label in
            ServerLogHandler(label: label, metadataProvider: Logger.MetadataProvider { ["trace": "t-1"] }) { line in lines.all.withLock { $0.append(line) } }
        }
        logger.logLevel = .info
        logger[metadataKey: "hb.request.id"] = "42"
        logger[metadataKey: "route"] = "/v1/events"
        logger.debug("not written")
        logger.info("request", metadata: ["route": "/v1/query", "status": "200"])
        logger[metadataKey: "route"] = nil
        logger.warning("slow")
        let written = lines.all.withLock { $0 }
        #expect(written.count == 2)
        let first = written.first ?? ""
        #expect(first.hasSuffix(" info custos: hb.request.id=42 route=/v1/query status=200 trace=t-1 [CustosServerTests] request\n"), "\(first)")
        #expect(first.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil, "\(first)")
        #expect(written.last?.hasSuffix(" warning custos: hb.request.id=42 trace=t-1 [CustosServerTests] slow\n") == true, "\(written.last ?? "")")
    }
}
