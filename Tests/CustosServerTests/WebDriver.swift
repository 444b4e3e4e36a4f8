import AsyncHTTPClient
import CustosLedger
import Foundation
import NIOCore
import NIOHTTP1

/// A headless Chromium driven through chromedriver with the W3C WebDriver protocol: just what
/// the inbox test needs (open a page, find, type, click, read text, take a screenshot).
final class WebDriver: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let driver: Process
    private let base: String
    private let session: String

    /// Starts chromedriver on a free port and opens a headless browser session.
    static func start() async throws -> WebDriver {
        guard let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Failure(description: "chromedriver is missing: `make test` installs chromium and chromium-driver with apt-get")
        }
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromedriver)
            process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let base = "http://127.0.0.1:\(port)"
            if try await ready(base, process) {
                let answer = try await call(base, .POST, "/session", body: [
                    "capabilities": ["alwaysMatch": [
                        "browserName": "chrome",
                        "goog:chromeOptions": [
                            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--no-first-run"],
                        ],
                    ]],
                ])
                guard let session = answer["sessionId"]?.stringValue else {
                    process.terminate()
                    throw Failure(description: "chromedriver opened no session: \(answer)")
                }
                return WebDriver(driver: process, base: base, session: session)
            }
            process.terminate()
        }
        throw Failure(description: "chromedriver did not start")
    }

    private init(driver: Process, base: String, session: String) {
        self.driver = driver
        self.base = base
        self.session = session
    }

    private static func ready(_ base: String, _ process: Process) async throws -> Bool {
        for _ in 0..<100 {
            guard process.isRunning else { return false }
            if let status = try? await call(base, .GET, "/status"), status["ready"]?.boolValue == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Ends the browser session and chromedriver.
    func quit() async {
        _ = try? await call(.DELETE, "")
        driver.terminate()
    }

    func open(_ url: String) async throws {
        _ = try await call(.POST, "/url", body: ["url": .string(url)])
    }

    /// The first element matching `css` once it is displayed, waiting up to `timeout`.
    func element(_ css: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try? await call(.POST, "/element", body: ["using": "css selector", "value": .string(css)]),
                case .object(let members) = found, let id = members.values.first?.stringValue,
                (try? await call(.GET, "/element/\(id)/displayed"))?.boolValue == true
            {
                return id
            }
            guard ContinuousClock.now < deadline else { throw Failure(description: "no visible element \(css) within \(timeout)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits until the text of the first element matching `css` satisfies `condition`.
    @discardableResult
    func waitForText(_ css: String, timeout: Duration = .seconds(30), _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while true {
            if let id = try? await element(css, timeout: .zero), let text = try? await self.text(id) {
                last = text
                if condition(text) { return text }
            }
            guard ContinuousClock.now < deadline else { throw Failure(description: "the text of \(css) never became what was expected; last: \"\(last)\"") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func type(_ text: String, into id: String) async throws {
        _ = try await call(.POST, "/element/\(id)/value", body: ["text": .string(text)])
    }

    func click(_ id: String) async throws {
        _ = try await call(.POST, "/element/\(id)/click", body: [:])
    }

    func text(_ id: String) async throws -> String {
        try await call(.GET, "/element/\(id)/text").stringValue ?? ""
    }

    func isEnabled(_ id: String) async throws -> Bool {
        try await call(.GET, "/element/\(id)/enabled").boolValue ?? false
    }

    /// Runs `script` in the page and returns its result.
    func execute(_ script: String) async throws -> JSONValue {
        try await call(.POST, "/execute/sync", body: ["script": .string(script), "args": []])
    }

    /// The page as a PNG.
    func screenshot() async throws -> Data {
        guard let encoded = try await call(.GET, "/screenshot").stringValue, let data = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    // MARK: Protocol

    private func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        try await Self.call(base, method, "/session/\(session)" + path, body: body)
    }

    private static func call(_ base: String, _ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.description))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        let value = try JSONParser.parse(Array(bytes.readableBytesView))
        guard response.status == .ok else { throw Failure(description: "WebDriver \(method) \(path): \(response.status.code) \(value["value"]?["message"]?.stringValue ?? "")") }
        return value["value"] ?? .null
    }
}
