/// What a finding is: an email address, a card number, an AWS key, …
///
/// Types have stable names (`email`, `card_number`, …) used in policies, reports and the
/// `counts` of mask events, and a placeholder (`<EMAIL>`). Each carries the sensitivity tags
/// it stands for (`pii`, `pci`, `phi`, `secret`): a masking that covers every type of a tag
/// removes that tag from the lineage graph (docs/LINEAGE.md, "Sensitivity tags and taint").
public struct EntityType: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The stable name, e.g. `card_number`.
    public let name: String
    /// The sensitivity tags this type stands for.
    public let tags: Set<String>

    private init(_ name: String, _ tags: Set<String>) {
        self.name = name
        self.tags = tags
    }

    public var description: String { name }

    /// `<CARD_NUMBER>`.
    public var placeholder: String { "<" + name.uppercased() + ">" }

    /// True for credentials and keys, false for personal data.
    public var isSecret: Bool { tags.contains("secret") }

    public static func < (lhs: EntityType, rhs: EntityType) -> Bool { lhs.name < rhs.name }

    /// The type with this name, if there is one.
    public init?(named name: String) {
        guard let known = EntityType.all.first(where: { $0.name == name }) else { return nil }
        self = known
    }

    // MARK: Personal data

    private static let personal: Set<String> = ["pii", "phi"]

    public static let email = EntityType("email", personal)
    public static let phone = EntityType("phone", personal)
    public static let ssn = EntityType("ssn", personal)
    public static let cardNumber = EntityType("card_number", ["pii", "pci"])
    public static let iban = EntityType("iban", ["pii"])
    public static let ipAddress = EntityType("ip_address", personal)
    public static let macAddress = EntityType("mac_address", personal)
    public static let dateOfBirth = EntityType("date_of_birth", personal)
    public static let passport = EntityType("passport", personal)
    public static let driversLicense = EntityType("drivers_license", personal)
    public static let postalAddress = EntityType("postal_address", personal)
    public static let personName = EntityType("person_name", personal)

    // MARK: Secrets

    public static let awsAccessKeyID = EntityType("aws_access_key_id", ["secret"])
    public static let awsSecretAccessKey = EntityType("aws_secret_access_key", ["secret"])
    public static let githubToken = EntityType("github_token", ["secret"])
    public static let slackToken = EntityType("slack_token", ["secret"])
    public static let slackWebhook = EntityType("slack_webhook", ["secret"])
    public static let stripeKey = EntityType("stripe_key", ["secret"])
    public static let googleAPIKey = EntityType("google_api_key", ["secret"])
    public static let jwt = EntityType("jwt", ["secret"])
    public static let privateKey = EntityType("private_key", ["secret"])
    /// The password in `scheme://user:password@host`.
    public static let urlPassword = EntityType("url_password", ["secret"])
    /// The value of `password=`, `secret:`, `"token": …` and the like.
    public static let password = EntityType("password", ["secret"])
    public static let bearerToken = EntityType("bearer_token", ["secret"])
    public static let basicAuth = EntityType("basic_auth", ["secret"])
    /// A high-entropy string next to a key-like word (`key`, `signature`, …).
    public static let highEntropySecret = EntityType("high_entropy_secret", ["secret"])

    /// Every type, personal data first.
    public static let all: [EntityType] = [
        .email, .phone, .ssn, .cardNumber, .iban, .ipAddress, .macAddress, .dateOfBirth, .passport, .driversLicense,
        .postalAddress, .personName,
        .awsAccessKeyID, .awsSecretAccessKey, .githubToken, .slackToken, .slackWebhook, .stripeKey, .googleAPIKey, .jwt,
        .privateKey, .urlPassword, .password, .bearerToken, .basicAuth, .highEntropySecret,
    ]
}
