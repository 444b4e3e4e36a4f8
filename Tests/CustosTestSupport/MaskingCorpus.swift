import Foundation

/// A generated, labeled corpus for measuring masking: logs, JSON records, chat, CSV, stack
/// traces and shell history, with personal data and secrets at known byte ranges, and hard
/// negatives that look like them but are not (UUIDs, git SHAs, order ids, card numbers that
/// fail Luhn, SSNs in ranges never issued, versions, timestamps).
///
/// The same seed gives the same corpus on every machine; nothing of it is committed.
public struct MaskingCorpus: Sendable {
    /// One sensitive value: its type name (as `EntityType` names it) and where it is.
    public struct Label: Sendable, Hashable {
        public let type: String
        public let range: Range<Int>
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var labels: [Label] = []

    /// The type names whose figures count toward the targets, by group.
    public static let secretTypes: Set<String> = [
        "aws_access_key_id", "aws_secret_access_key", "github_token", "slack_token", "slack_webhook", "stripe_key",
        "google_api_key", "jwt", "private_key", "url_password", "password", "bearer_token", "basic_auth", "high_entropy_secret",
    ]
    public static let structuredPIITypes: Set<String> = ["email", "phone", "ssn", "card_number", "iban", "ip_address", "mac_address"]
    public static let contextPIITypes: Set<String> = ["date_of_birth", "passport", "drivers_license"]
    public static let bestEffortTypes: Set<String> = ["postal_address", "person_name"]

    /// A corpus of at least `size` bytes. `sensitiveShare` is the share of lines and records
    /// that hold personal data or secrets; the others are ordinary log lines (with their own
    /// hard negatives). At 1, every line holds something.
    public init(size: Int, seed: UInt64 = 2026, sensitiveShare: Double = 1) {
        var random = SeededRandom(seed: seed)
        while bytes.count < size {
            if sensitiveShare < 1 && Double(random.next() % 10_000) / 10_000 >= sensitiveShare {
                ordinaryLog(&random)
                continue
            }
            switch random.next() % 6 {
            case 0: appLog(&random)
            case 1: jsonRecord(&random)
            case 2: chat(&random)
            case 3: csv(&random)
            case 4: stackTrace(&random)
            default: shellHistory(&random)
            }
        }
    }

    // MARK: Building

    private mutating func text(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    private mutating func value(_ type: String, _ string: String) {
        let start = bytes.count
        bytes.append(contentsOf: string.utf8)
        labels.append(Label(type: type, range: start..<bytes.count))
    }

    private static func pick<T>(_ options: [T], _ random: inout SeededRandom) -> T {
        options[Int(random.next() % UInt64(options.count))]
    }

    private static func digits(_ count: Int, _ random: inout SeededRandom) -> String {
        String((0..<count).map { _ in Character(String(random.next() % 10)) })
    }

    private static func alphanumerics(_ count: Int, _ random: inout SeededRandom, alphabet: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") -> String {
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters[Int(random.next() % UInt64(characters.count))] })
    }

    private static func hex(_ count: Int, _ random: inout SeededRandom) -> String {
        alphanumerics(count, &random, alphabet: "0123456789abcdef")
    }

    // MARK: Values

    private static let firstNames = ["John", "Maria", "Wei", "Fatima", "Olga", "Carlos", "Aisha", "Lars", "Priya", "Tom", "Ana", "Kenji"]
    private static let lastNames = ["Smith", "Garcia", "Chen", "Khan", "Petrova", "Silva", "Okafor", "Berg", "Patel", "Brown", "Lima", "Sato"]
    private static let domains = ["example.com", "mail.example.org", "corp.example.net", "example.co.uk", "health.example.io"]

    static func email(_ random: inout SeededRandom) -> String {
        let first = pick(firstNames, &random).lowercased()
        let last = pick(lastNames, &random).lowercased()
        let local = pick(["\(first).\(last)", "\(first)\(random.next() % 100)", "\(first.prefix(1))\(last)", "\(first)+billing"], &random)
        return local + "@" + pick(domains, &random)
    }

    static func phone(_ random: inout SeededRandom) -> String {
        let area = "\(2 + random.next() % 8)\(digits(2, &random))"
        let exchange = "\(2 + random.next() % 8)\(digits(2, &random))"
        let line = digits(4, &random)
        switch random.next() % 6 {
        case 0: return "\(area)-\(exchange)-\(line)"
        case 1: return "(\(area)) \(exchange)-\(line)"
        case 2: return "+1 \(area) \(exchange) \(line)"
        case 3: return "\(area).\(exchange).\(line)"
        case 4: return "+44 20 \(digits(4, &random)) \(digits(4, &random))"
        default: return "+49 30 \(digits(6, &random))"
        }
    }

    static func ssn(_ random: inout SeededRandom) -> String {
        let area = 1 + Int(random.next() % 898)
        let fixedArea = area == 666 ? 667 : area
        let group = 1 + Int(random.next() % 99)
        let serial = 1 + Int(random.next() % 9_999)
        return String(format: "%03d-%02d-%04d", fixedArea, group, serial)
    }

    static func invalidSSN(_ random: inout SeededRandom) -> String {
        let area = pick(["000", "666", "9\(digits(2, &random))"], &random)
        return "\(area)-\(String(format: "%02d", 1 + random.next() % 99))-\(String(format: "%04d", 1 + random.next() % 9_999))"
    }

    /// A Luhn-valid number of a card network, grouped or not.
    static func card(_ random: inout SeededRandom, valid: Bool = true) -> String {
        let (prefix, length): (String, Int) = pick([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("65", 16)], &random)
        var body = prefix + digits(length - prefix.count - 1, &random)
        let check = luhnCheckDigit(body)
        body += String(valid ? check : (check + 1 + Int(random.next() % 9)) % 10)
        switch random.next() % 3 {
        case 0: return body
        case 1:
            if length == 15 {
                let characters = Array(body)
                return String(characters[0..<4]) + " " + String(characters[4..<10]) + " " + String(characters[10...])
            }
            return stride(from: 0, to: body.count, by: 4).map { String(Array(body)[$0..<min($0 + 4, body.count)]) }.joined(separator: " ")
        default:
            guard length == 16 else { return body }
            return stride(from: 0, to: body.count, by: 4).map { String(Array(body)[$0..<min($0 + 4, body.count)]) }.joined(separator: "-")
        }
    }

    static func luhnCheckDigit(_ body: String) -> Int {
        var sum = 0
        for (index, character) in body.reversed().enumerated() {
            var digit = Int(String(character)) ?? 0
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return (10 - sum % 10) % 10
    }

    /// An IBAN with correct check digits, in groups of four or compact.
    static func iban(_ random: inout SeededRandom) -> String {
        let (country, length) = pick([("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18), ("ES", 24), ("IT", 27)], &random)
        var account = ""
        if country == "GB" || country == "NL" { account = alphanumerics(4, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ") }
        if country == "IT" { account = alphanumerics(1, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ") }
        account += digits(length - 4 - account.count, &random)
        let rearranged = account + country + "00"
        var remainder = 0
        for character in rearranged {
            if let digit = Int(String(character)) {
                remainder = (remainder * 10 + digit) % 97
            } else if let ascii = character.asciiValue {
                remainder = (remainder * 100 + Int(ascii) - 55) % 97
            }
        }
        let check = String(format: "%02d", 98 - remainder)
        let compact = country + check + account
        if random.next() % 2 == 0 { return compact }
        return stride(from: 0, to: compact.count, by: 4).map { String(Array(compact)[$0..<min($0 + 4, compact.count)]) }.joined(separator: " ")
    }

    static func ipv4(_ random: inout SeededRandom) -> String {
        pick(["10.\(random.next() % 256).\(random.next() % 256).\(1 + random.next() % 254)", "192.168.\(random.next() % 256).\(1 + random.next() % 254)",
              "203.0.113.\(1 + random.next() % 254)", "\(11 + random.next() % 180).\(random.next() % 256).\(random.next() % 256).\(1 + random.next() % 254)"], &random)
    }

    static func ipv6(_ random: inout SeededRandom) -> String {
        pick(["2001:db8::\(hex(4, &random)):\(hex(2, &random))", "fe80::\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random))",
              "2001:0db8:\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random)):\(hex(4, &random))"], &random)
    }

    static func mac(_ random: inout SeededRandom) -> String {
        let pairs = (0..<6).map { _ in hex(2, &random) }
        return random.next() % 2 == 0 ? pairs.joined(separator: ":") : pairs.joined(separator: "-").uppercased()
    }

    static func awsKeyID(_ random: inout SeededRandom) -> String {
        pick(["AKIA", "ASIA"], &random) + alphanumerics(16, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    }

    static func awsSecret(_ random: inout SeededRandom) -> String {
        alphanumerics(40, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
    }

    static func githubToken(_ random: inout SeededRandom) -> String {
        if random.next() % 4 == 0 { return "github_pat_" + alphanumerics(22, &random) + "_" + alphanumerics(59, &random) }
        return pick(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], &random) + alphanumerics(36, &random)
    }

    static func slackToken(_ random: inout SeededRandom) -> String {
        pick(["xoxb-", "xoxp-", "xoxa-"], &random) + digits(12, &random) + "-" + digits(13, &random) + "-" + alphanumerics(24, &random)
    }

    static func slackWebhook(_ random: inout SeededRandom) -> String {
        "https://hooks.slack.com/services/T" + alphanumerics(8, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "/B"
            + alphanumerics(10, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "/" + alphanumerics(24, &random)
    }

    static func stripeKey(_ random: inout SeededRandom) -> String {
        pick(["sk_live_", "sk_test_", "rk_live_"], &random) + alphanumerics(24 + Int(random.next() % 75), &random)
    }

    static func googleKey(_ random: inout SeededRandom) -> String {
        "AIza" + alphanumerics(35, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    }

    static func jwt(_ random: inout SeededRandom) -> String {
        let header = pick(["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9", "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9"], &random)
        return header + ".eyJ" + alphanumerics(40 + Int(random.next() % 60), &random) + "." + alphanumerics(43, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    }

    static func pem(_ random: inout SeededRandom, escaped: Bool) -> String {
        let label = pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"], &random)
        let newline = escaped ? "\\n" : "\n"
        let lines = (0..<(4 + Int(random.next() % 20))).map { _ in alphanumerics(64, &random, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") }
        return "-----BEGIN \(label)-----" + newline + lines.joined(separator: newline) + newline + "-----END \(label)-----"
    }

    static func password(_ random: inout SeededRandom) -> String {
        pick([alphanumerics(8 + Int(random.next() % 12), &random), "Summer\(2020 + random.next() % 7)!", "hunter\(random.next() % 10)", "p@ss-\(alphanumerics(6, &random))"], &random)
    }

    static func name(_ random: inout SeededRandom) -> String {
        pick(firstNames, &random) + " " + pick(lastNames, &random)
    }

    static func address(_ random: inout SeededRandom) -> String {
        "\(1 + random.next() % 9_999) " + pick(["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake View"], &random) + " "
            + pick(["Street", "St.", "Avenue", "Ave", "Road", "Blvd", "Lane", "Drive"], &random)
    }

    static func dateOfBirth(_ random: inout SeededRandom) -> String {
        let year = 1940 + Int(random.next() % 65)
        let month = 1 + Int(random.next() % 12)
        let day = 1 + Int(random.next() % 28)
        return random.next() % 2 == 0 ? String(format: "%04d-%02d-%02d", year, month, day) : String(format: "%02d/%02d/%04d", month, day, year)
    }

    // MARK: Hard negatives

    static func uuid(_ random: inout SeededRandom) -> String {
        "\(hex(8, &random))-\(hex(4, &random))-4\(hex(3, &random))-a\(hex(3, &random))-\(hex(12, &random))"
    }

    static func timestamp(_ random: inout SeededRandom) -> String {
        String(format: "2026-%02d-%02dT%02d:%02d:%02d.%03dZ", 1 + random.next() % 12, 1 + random.next() % 28, random.next() % 24, random.next() % 60, random.next() % 60, random.next() % 1000)
    }

    static func orderID(_ random: inout SeededRandom) -> String {
        pick(["ORD-2026-\(digits(6, &random))", "INV\(digits(8, &random))", "order #\(digits(7, &random))", "sku-\(digits(10, &random))"], &random)
    }

    // MARK: Genres

    private mutating func appLog(_ random: inout SeededRandom) {
        let level = Self.pick(["INFO", "WARN", "DEBUG", "ERROR"], &random)
        text("\(Self.timestamp(&random)) \(level) [req=\(Self.uuid(&random))] ")
        switch random.next() % 14 {
        case 0:
            text("user ")
            value("email", Self.email(&random))
            text(" logged in from ")
            value("ip_address", Self.ipv4(&random))
        case 1:
            text("payment accepted card=")
            value("card_number", Self.card(&random))
            text(" amount=\(random.next() % 900).\(Self.digits(2, &random)) order=\(Self.orderID(&random))")
        case 2:
            text("declined card=\(Self.card(&random, valid: false)) reason=luhn")
        case 3:
            text("connecting to postgres://app:")
            value("url_password", Self.password(&random).replacingOccurrences(of: "@", with: "x"))
            text("@db-\(random.next() % 9).internal:5432/orders")
        case 4:
            text("auth ok Authorization: Bearer ")
            if random.next() % 2 == 0 { value("jwt", Self.jwt(&random)) } else { value("bearer_token", Self.alphanumerics(32, &random)) }
        case 5:
            text("client ")
            value("ip_address", Self.ipv6(&random))
            text(" hw ")
            value("mac_address", Self.mac(&random))
        case 6:
            text("deploy build=\(random.next() % 9).\(random.next() % 20).\(random.next() % 50) commit=\(Self.hex(40, &random)) duration=\(random.next() % 5000)ms")
        case 7:
            text("config loaded api_key=")
            value("password", Self.alphanumerics(24, &random))
            text(" region=eu-west-1")
        case 8:
            text("sns notify phone=")
            value("phone", Self.phone(&random))
            text(" template=otp")
        case 9:
            text("kyc check ssn=")
            value("ssn", Self.ssn(&random))
            text(" status=passed; rejected test id \(Self.invalidSSN(&random))")
        case 10:
            text("webhook posted to ")
            value("slack_webhook", Self.slackWebhook(&random))
        case 11:
            text("request signature=")
            value("high_entropy_secret", Self.hex(64, &random))
            text(" nonce=\(random.next() % 100_000)")
        case 12 where random.next() % 2 == 0:
            // Numbers and blobs that look like personal data or keys, and are not.
            text(Self.pick([
                "isbn 978-3-16-148410-0 zip 94105-1234 tracking 1Z999AA10123456784",
                "build 4.2.0.19 released; reset your password at https://example.com/reset",
                "thumbnail data=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg",
                "cache_key=\(Self.hex(32, &random)) etag=\"\(Self.hex(16, &random))\" tokens=\(random.next() % 4096)",
                "latency p99=\(random.next() % 900).\(Self.digits(3, &random))ms over \(random.next() % 100000) requests from 0.0.0.0/0",
                "trace_id=\(Self.hex(32, &random)) span_id=\(Self.hex(16, &random)) parent=\(Self.uuid(&random))",
            ], &random))
        case 12:
            text("retrying in \(random.next() % 30)s (attempt \(random.next() % 5) of 5) host=api-\(random.next() % 9).internal version 2.\(random.next() % 9).\(random.next() % 9)")
        default:
            text("transfer to ")
            value("iban", Self.iban(&random))
            text(" ref \(Self.orderID(&random))")
        }
        text("\n")
    }

    /// A log line with nothing to mask.
    private mutating func ordinaryLog(_ random: inout SeededRandom) {
        text("\(Self.timestamp(&random)) \(Self.pick(["INFO", "DEBUG", "WARN"], &random)) [req=\(Self.uuid(&random))] ")
        switch random.next() % 6 {
        case 0:
            text("GET /api/v1/orders/\(random.next() % 100_000) 200 \(random.next() % 900)ms bytes=\(random.next() % 100_000) ua=\"Mozilla/5.0 (X11; Linux x86_64)\"")
        case 1:
            text("cache hit key=user:\(random.next() % 100_000) ttl=\(random.next() % 3600)s shard=\(random.next() % 16)")
        case 2:
            text("slow query took \(random.next() % 5000)ms table=orders rows=\(random.next() % 10_000) plan=index_scan")
        case 3:
            text("worker-\(random.next() % 8) processed batch \(random.next() % 100) of 100 (queue=events, lag=\(random.next() % 500))")
        case 4:
            text("scheduled job nightly-rollup at \(random.next() % 24):00 UTC, next run in \(random.next() % 24)h, build 3.\(random.next() % 9).\(random.next() % 9)")
        default:
            text("gc pause \(random.next() % 200)ms heap=\(random.next() % 4096)MB threads=\(random.next() % 64) commit=\(Self.hex(12, &random))")
        }
        text("\n")
    }

    private mutating func jsonRecord(_ random: inout SeededRandom) {
        text(#"{"id":""# + Self.uuid(&random) + #"","created":""# + Self.timestamp(&random) + #"","customer":{"email":""#)
        value("email", Self.email(&random))
        text(#"","phone":""#)
        value("phone", Self.phone(&random))
        text(#"","customer_name":""#)
        value("person_name", Self.name(&random))
        text(#""},"#)
        switch random.next() % 6 {
        case 0:
            text(#""card":""#)
            value("card_number", Self.card(&random))
            text(#"","order":""# + Self.orderID(&random) + #"""#)
        case 1:
            text(#""ssn":"#)
            let ssn = Self.ssn(&random)
            if random.next() % 2 == 0 { text("\""); value("ssn", ssn); text("\"") } else { value("ssn", ssn.replacingOccurrences(of: "-", with: "")) }
        case 2:
            text(#""credentials":{"aws_access_key_id":""#)
            value("aws_access_key_id", Self.awsKeyID(&random))
            text(#"","aws_secret_access_key":""#)
            value("aws_secret_access_key", Self.awsSecret(&random))
            text(#""}"#)
        case 3:
            text(#""service_account":{"type":"service_account","private_key":""#)
            value("private_key", Self.pem(&random, escaped: true))
            text(#"\n"}"#)
        case 4:
            text(#""password":""#)
            value("password", Self.password(&random))
            text(#"","retries":3"#)
        default:
            text(#""items":[{"sku":"\#(Self.orderID(&random))","qty":\#(random.next() % 9)}],"total":\#(random.next() % 1000).\#(Self.digits(2, &random))"#)
        }
        text("}\n")
    }

    private mutating func chat(_ random: inout SeededRandom) {
        let speaker = Self.pick(["alice", "bob", "support-bot", "agent_7"], &random)
        text("[\(Self.timestamp(&random))] \(speaker): ")
        switch random.next() % 10 {
        case 0:
            text("you can reach me at ")
            value("phone", Self.phone(&random))
            text(" or ")
            value("email", Self.email(&random))
        case 1:
            text("Dear ")
            value("person_name", Self.name(&random))
            text(", your ticket \(Self.orderID(&random)) is closed.")
        case 2:
            text("my DOB: ")
            value("date_of_birth", Self.dateOfBirth(&random))
            text(" and SSN ")
            value("ssn", Self.ssn(&random))
        case 3:
            text("ship it to ")
            value("postal_address", Self.address(&random))
            text(" please")
        case 4:
            text("here is the token, don't share: ")
            value("github_token", Self.githubToken(&random))
        case 5:
            text("passport no. ")
            value("passport", "\(Self.pick(["", "X", "C"], &random))\(Self.digits(8, &random))")
            text(" expires next year")
        case 6:
            text("driver's license ")
            value("drivers_license", "D\(Self.digits(7, &random))")
            text(" verified")
        case 7:
            text("Patient: ")
            value("person_name", Self.name(&random))
            text(" was admitted; ward \(random.next() % 20)")
        case 8:
            text("ok, rerun with id \(Self.uuid(&random)) at \(random.next() % 12):\(String(format: "%02d", random.next() % 60)) pm, v1.\(random.next() % 30).0")
        default:
            text("my card is ")
            value("card_number", Self.card(&random))
            text(" exp \(1 + random.next() % 12)/\(27 + random.next() % 5)")
        }
        text("\n")
    }

    private mutating func csv(_ random: inout SeededRandom) {
        text("id,email,phone,ip,amount,ref\n")
        for _ in 0..<(2 + Int(random.next() % 4)) {
            text("\(random.next() % 100_000),")
            value("email", Self.email(&random))
            text(",")
            value("phone", Self.phone(&random))
            text(",")
            value("ip_address", Self.ipv4(&random))
            text(",\(random.next() % 10_000).\(Self.digits(2, &random)),\(Self.orderID(&random))\n")
        }
    }

    private mutating func stackTrace(_ random: inout SeededRandom) {
        if random.next() % 2 == 0 {
            text("Exception in thread \"main\" java.sql.SQLException: Access denied for jdbc:mysql://root:")
            value("url_password", Self.alphanumerics(12, &random))
            text("@")
            value("ip_address", Self.ipv4(&random))
            text(":3306/prod\n")
            for _ in 0..<(3 + Int(random.next() % 5)) {
                text("\tat com.example.\(Self.pick(["db", "api", "core"], &random)).Service\(random.next() % 50).run(Service.java:\(random.next() % 900))\n")
            }
        } else {
            text("Traceback (most recent call last):\n  File \"/srv/app/handlers.py\", line \(random.next() % 400), in charge\n")
            text("    stripe.api_key = ")
            text("\"")
            value("stripe_key", Self.stripeKey(&random))
            text("\"\n  File \"/srv/app/billing.py\", line \(random.next() % 400), in post\nValueError: invalid customer \(Self.uuid(&random)) for ")
            value("email", Self.email(&random))
            text("\n")
        }
    }

    private mutating func shellHistory(_ random: inout SeededRandom) {
        text("  \(100 + random.next() % 900)  ")
        switch random.next() % 9 {
        case 0:
            text("export AWS_SECRET_ACCESS_KEY=")
            value("aws_secret_access_key", Self.awsSecret(&random))
        case 1:
            text("export AWS_ACCESS_KEY_ID=")
            value("aws_access_key_id", Self.awsKeyID(&random))
        case 2:
            text("curl -H \"Authorization: Bearer ")
            value("jwt", Self.jwt(&random))
            text("\" https://api.example.com/v1/users")
        case 3:
            text("git clone https://deploy:")
            // The token is both a URL password and a GitHub token: the surer name wins.
            value("github_token", Self.githubToken(&random))
            text("@github.com/example/app.git")
        case 4:
            text("slack-notify --token ")
            value("slack_token", Self.slackToken(&random))
        case 5:
            text("gcloud config set api_key ")
            value("google_api_key", Self.googleKey(&random))
        case 6:
            text("ssh -i ~/.ssh/id_ed25519 deploy@")
            value("ip_address", Self.ipv4(&random))
            text(" 'sudo systemctl restart app'")
        case 7:
            text("cat > key.pem <<EOF\n")
            value("private_key", Self.pem(&random, escaped: false))
            text("\nEOF")
        default:
            text("docker run --rm -e DB_PASSWORD=")
            value("password", Self.password(&random))
            text(" -p 8080:8080 app:1.\(random.next() % 20).\(random.next() % 10)")
        }
        text("\n")
    }

    // MARK: Scoring

    /// Precision and recall per type against the labels.
    public struct Score: Sendable {
        public struct Counts: Sendable {
            public var truePositives = 0
            public var falsePositives = 0
            public var falseNegatives = 0
            public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
            public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
        }

        public var byType: [String: Counts] = [:]
        public var falsePositiveSamples: [String] = []
        public var falseNegativeSamples: [String] = []

        /// Counts a finding as right when a label of its type overlaps it.
        public init(corpus: MaskingCorpus, findings: [(type: String, range: Range<Int>)]) {
            var labelsMatched = Set<Int>()
            let labels = corpus.labels
            var labelIndex = 0
            for finding in findings.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
                while labelIndex < labels.count && labels[labelIndex].range.upperBound <= finding.range.lowerBound { labelIndex += 1 }
                var matched = false
                var k = labelIndex
                while k < labels.count && labels[k].range.lowerBound < finding.range.upperBound {
                    if labels[k].type == finding.type && labels[k].range.overlaps(finding.range) {
                        matched = true
                        labelsMatched.insert(k)
                    }
                    k += 1
                }
                if matched {
                    byType[finding.type, default: Counts()].truePositives += 1
                } else {
                    byType[finding.type, default: Counts()].falsePositives += 1
                    if falsePositiveSamples.count < 20 {
                        let context = max(0, finding.range.lowerBound - 40)..<min(corpus.bytes.count, finding.range.upperBound + 20)
                        falsePositiveSamples.append("\(finding.type): …\(String(decoding: corpus.bytes[context], as: UTF8.self))…")
                    }
                }
            }
            for (index, label) in labels.enumerated() where !labelsMatched.contains(index) {
                byType[label.type, default: Counts()].falseNegatives += 1
                if falseNegativeSamples.count < 20 {
                    let context = max(0, label.range.lowerBound - 40)..<min(corpus.bytes.count, label.range.upperBound + 20)
                    falseNegativeSamples.append("\(label.type): …\(String(decoding: corpus.bytes[context], as: UTF8.self))…")
                }
            }
        }

        public func group(_ types: Set<String>) -> Counts {
            var total = Counts()
            for (type, counts) in byType where types.contains(type) {
                total.truePositives += counts.truePositives
                total.falsePositives += counts.falsePositives
                total.falseNegatives += counts.falseNegatives
            }
            return total
        }
    }
}
