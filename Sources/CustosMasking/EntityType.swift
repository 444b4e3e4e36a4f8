/// What a finding is: an email address, a card number, an AWS key, …
///
/// Types have stable names (`email`, `card_number`, …) used in policies, reports and the
/// `counts` of mask events, and a placeholder (`<EMAIL>`). Each carries the sensitivity tags
/// it stands for (`pii`, `pci`, `phi`, `secret`): a masking that covers every type of a tag
/// removes that tag from the lineage graph (docs/LINEAGE.md, "Sensitivity tags and taint").
public struct EntityType: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The position in ``all``: a finding carries one byte, not strings to count references to.
    let ordinal: UInt8

    private init(_ ordinal: UInt8) {
        self.ordinal = ordinal
    }

    /// The stable name, e.g. `card_number`.
    public var name: String { Self.table[Int(ordinal)].name }
    /// The sensitivity tags this type stands for.
    public var tags: Set<String> { Self.table[Int(ordinal)].tags }
    /// `<CARD_NUMBER>`.
    public var placeholder: String { Self.table[Int(ordinal)].placeholder }
    /// The placeholder's bytes, made once.
    var placeholderBytes: [UInt8] { Self.table[Int(ordinal)].placeholderBytes }

    public var description: String { name }

    /// True for credentials and keys, false for personal data.
    public var isSecret: Bool { tags.contains("secret") }

    public static func < (lhs: EntityType, rhs: EntityType) -> Bool { lhs.name < rhs.name }

    /// The type with this name, if there is one.
    public init?(named name: String) {
        guard let index = Self.table.firstIndex(where: { $0.name == name }) else { return nil }
        self.init(UInt8(index))
    }

    private struct Entry: Sendable {
        let name: String
        let tags: Set<String>
        let placeholder: String
        let placeholderBytes: [UInt8]

        init(_ name: String, _ tags: Set<String>) {
            self.name = name
            self.tags = tags
            placeholder = "<" + name.uppercased() + ">"
            placeholderBytes = Array(placeholder.utf8)
        }
    }

    private static let personal: Set<String> = ["pii", "phi"]

    /// Every type, in ordinal order: personal data first.
    private static let table: [Entry] = [
        Entry("email", personal), Entry("phone", personal), Entry("ssn", personal), Entry("card_number", ["pii", "pci"]),
        Entry("iban", ["pii"]), Entry("ip_address", personal), Entry("mac_address", personal), Entry("date_of_birth", personal),
        Entry("passport", personal), Entry("drivers_license", personal), Entry("postal_address", personal), Entry("person_name", personal),
        Entry("aws_access_key_id", ["secret"]), Entry("aws_secret_access_key", ["secret"]), Entry("github_token", ["secret"]),
        Entry("slack_token", ["secret"]), Entry("slack_webhook", ["secret"]), Entry("stripe_key", ["secret"]), Entry("google_api_key", ["secret"]),
        Entry("jwt", ["secret"]), Entry("private_key", ["secret"]), Entry("url_password", ["secret"]), Entry("password", ["secret"]),
        Entry("bearer_token", ["secret"]), Entry("basic_auth", ["secret"]), Entry("high_entropy_secret", ["secret"]),
    ]

    // MARK: Personal data

    public static let email = EntityType(0)
    public static let phone = EntityType(1)
    public static let ssn = EntityType(2)
    public static let cardNumber = EntityType(3)
    public static let iban = EntityType(4)
    public static let ipAddress = EntityType(5)
    public static let macAddress = EntityType(6)
    public static let dateOfBirth = EntityType(7)
    public static let passport = EntityType(8)
    public static let driversLicense = EntityType(9)
    public static let postalAddress = EntityType(10)
    public static let personName = EntityType(11)

    // MARK: Secrets

    public static let awsAccessKeyID = EntityType(12)
    public static let awsSecretAccessKey = EntityType(13)
    public static let githubToken = EntityType(14)
    public static let slackToken = EntityType(15)
    public static let slackWebhook = EntityType(16)
    public static let stripeKey = EntityType(17)
    public static let googleAPIKey = EntityType(18)
    public static let jwt = EntityType(19)
    public static let privateKey = EntityType(20)
    /// The password in `scheme://user:password@host`.
    public static let urlPassword = EntityType(21)
    /// The value of `password=`, `secret:`, `"token": …` and the like.
    public static let password = EntityType(22)
    public static let bearerToken = EntityType(23)
    public static let basicAuth = EntityType(24)
    /// A high-entropy string next to a key-like word (`key`, `signature`, …).
    public static let highEntropySecret = EntityType(25)

    /// Every type, personal data first.
    public static let all: [EntityType] = (0..<table.count).map { EntityType(UInt8($0)) }
}
