import CustosMasking
import Testing

/// What masking with the standard policy finds in `text`: each masked value with its type.
func detected(_ text: String) -> [(type: String, value: String)] {
    let bytes = Array(text.utf8)
    let (_, summary) = Masker().mask(bytes, format: .text)
    return summary.findings.map { ($0.type.name, String(decoding: bytes[$0.range], as: UTF8.self)) }
}

/// True when exactly `value` is found as `type` in `text`.
func finds(_ type: String, _ value: String, in text: String) -> Bool {
    detected(text).contains { $0.type == type && $0.value == value }
}

/// True when nothing of `type` is found in `text`.
func findsNo(_ type: String, in text: String) -> Bool {
    !detected(text).contains { $0.type == type }
}

@Suite("Detectors: true cases and hard negatives")
struct DetectorTests {
    @Test("email addresses")
    func email() {
        #expect(finds("email", "alice.smith+tag@example.co.uk", in: "contact alice.smith+tag@example.co.uk today"))
        #expect(finds("email", "BOB@Example.COM", in: "<BOB@Example.COM>"))
        #expect(finds("email", "j.doe@mail.example.org", in: #"{"to":"j.doe@mail.example.org"}"#))
        #expect(finds("email", "ana@exemplo.com.br", in: "mailto:ana@exemplo.com.br."))
        for negative in ["icon@2x.png", "user@localhost", "ping @channel now", "a@b", "x@y.1", "foo..bar@example.com", "name@-bad.com"] {
            #expect(findsNo("email", in: negative), "\(negative)")
        }
    }

    @Test("phone numbers, North American and international")
    func phone() {
        #expect(finds("phone", "555-234-5678", in: "call 555-234-5678 now"))
        #expect(finds("phone", "(415) 555-2671", in: "office (415) 555-2671"))
        #expect(finds("phone", "+44 20 7946 0958", in: "London +44 20 7946 0958."))
        #expect(finds("phone", "+1 (555) 234-5678", in: "US +1 (555) 234-5678"))
        #expect(finds("phone", "+49-30-901820", in: "Berlin: +49-30-901820"))
        #expect(finds("phone", "1-800-555-0199", in: "toll free 1-800-555-0199"))
        #expect(finds("phone", "4155552671", in: "phone: 4155552671"))
        for negative in [
            "2026-11-22 07:41:51", "version 1.2.3", "555-123-456", "ORD-555-234-5678", "ref 555-234-5678-90",
            "epoch 1732259011", "offset +05:30", "x+12345", "+0044 1234", "155-234-5678", "555-134-5678",
        ] {
            #expect(findsNo("phone", in: negative), "\(negative)")
        }
    }

    @Test("US Social Security numbers, with the SSA's rules")
    func ssn() {
        #expect(finds("ssn", "123-45-6789", in: "SSN 123-45-6789"))
        #expect(finds("ssn", "123-45-6789", in: "id 123-45-6789."))
        #expect(finds("ssn", "123 45 6789", in: "social security: 123 45 6789"))
        #expect(finds("ssn", "123456789", in: "ssn=123456789"))
        for negative in ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000", "order 123456789", "123-45-67890"] {
            #expect(findsNo("ssn", in: negative), "\(negative)")
        }
    }

    @Test("card numbers: Luhn and network prefixes decide")
    func cards() {
        #expect(finds("card_number", "4111 1111 1111 1111", in: "card 4111 1111 1111 1111 exp 12/29"))
        #expect(finds("card_number", "4111-1111-1111-1111", in: "pan=4111-1111-1111-1111"))
        #expect(finds("card_number", "4111111111111111", in: "4111111111111111"))
        #expect(finds("card_number", "3782 822463 10005", in: "amex 3782 822463 10005"))
        #expect(finds("card_number", "5555555555554444", in: "mc:5555555555554444;"))
        #expect(finds("card_number", "6011111111111117", in: "discover 6011111111111117"))
        for negative in ["4111 1111 1111 1112", "4111111111111112", "1234567812345678", "4111 1111-1111 1111", "order 9999999999999995", "41111111111111111111111"] {
            #expect(findsNo("card_number", in: negative), "\(negative)")
        }
    }

    @Test("IBANs: country length and mod 97")
    func iban() {
        #expect(finds("iban", "DE89 3704 0044 0532 0130 00", in: "IBAN DE89 3704 0044 0532 0130 00."))
        #expect(finds("iban", "GB82WEST12345698765432", in: "to GB82WEST12345698765432"))
        #expect(finds("iban", "FR1420041010050500013M02606", in: "FR1420041010050500013M02606"))
        for negative in ["DE89 3704 0044 0532 0130 01", "GB82WEST1234569876543", "XX82WEST12345698765432", "DE89370400440532013000999"] {
            #expect(findsNo("iban", in: negative), "\(negative)")
        }
    }

    @Test("IPv4, IPv6 and MAC addresses")
    func network() {
        #expect(finds("ip_address", "192.168.1.20", in: "from 192.168.1.20 port 22"))
        #expect(finds("ip_address", "10.0.0.1", in: "host=10.0.0.1,"))
        #expect(finds("ip_address", "2001:db8::ff00:42:8329", in: "client 2001:db8::ff00:42:8329 connected"))
        #expect(finds("ip_address", "fe80::1", in: "[fe80::1]:8080"))
        #expect(finds("ip_address", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", in: "2001:0db8:85a3:0000:0000:8a2e:0370:7334"))
        #expect(finds("ip_address", "::ffff:192.0.2.128", in: "mapped ::ffff:192.0.2.128 here"))
        #expect(finds("mac_address", "00:1A:2B:3C:4D:5E", in: "hw 00:1A:2B:3C:4D:5E up"))
        #expect(finds("mac_address", "00-1a-2b-3c-4d-5e", in: "00-1a-2b-3c-4d-5e"))
        #expect(finds("mac_address", "001a.2b3c.4d5e", in: "cisco 001a.2b3c.4d5e"))
        for negative in ["1.2.3.4.5", "256.1.1.1", "version 1.2.3", "build 4.2.0.19", "from 0.0.0.0/0", "version 10.2.0.1", "std::vector<int>", "at 12:30:45", "00:1A:2B:3C:4D", "01.02.03.04"] {
            #expect(findsNo("ip_address", in: negative) && findsNo("mac_address", in: negative), "\(negative)")
        }
    }

    @Test("dates of birth, passports and driver's licences, by their context words")
    func contextual() {
        #expect(finds("date_of_birth", "1985-04-12", in: "DOB: 1985-04-12"))
        #expect(finds("date_of_birth", "04/12/1985", in: "born 04/12/1985 in Ohio"))
        #expect(finds("date_of_birth", "12.04.1985", in: "date of birth 12.04.1985"))
        #expect(finds("passport", "123456789", in: "passport no. 123456789"))
        #expect(finds("passport", "X12345678", in: "Passport: X12345678"))
        #expect(finds("drivers_license", "D1234567", in: "driver's license D1234567"))
        #expect(finds("drivers_license", "12345678", in: "DL: 12345678"))
        for negative in ["created 1985-04-12", "passport office closed", "DOB: unknown", "license MIT", "licence key ABC"] {
            #expect(findsNo("date_of_birth", in: negative) && findsNo("passport", in: negative) && findsNo("drivers_license", in: negative), "\(negative)")
        }
    }

    @Test("digit groups too long for any field are no date, address or number, and crash nothing")
    func overlongGroups() {
        let huge = "9999999999999999999"  // 19 digits: more than an Int holds
        for text in ["DOB \(huge)-01-01", "born 01-01-\(huge)", "date of birth \(huge)/\(huge)/\(huge)", "ip \(huge).1.1.1", "ssn \(huge)-12-1234"] {
            #expect(findsNo("date_of_birth", in: text) && findsNo("ipv4", in: text), "\(text)")
        }
    }

    @Test("escapes and terminal colours join no word: what follows \\n, \\u00XX or a colour code is still found")
    func escapesSeparate() {
        #expect(finds("card_number", "4111111111111111", in: #"{"log":"paid\n4111111111111111"}"#))
        #expect(finds("ssn", "123-45-6789", in: #"{"log":"ssn\t123-45-6789"}"#))
        #expect(finds("card_number", "4111111111111111", in: "\u{1B}[0;39m4111111111111111\u{1B}[0m"))
        #expect(finds("card_number", "4111111111111111", in: "match: \u{1B}[K4111111111111111"))
        #expect(finds("email", "bob@example.com", in: #"{"note":"hi\nbob@example.com"}"#))
        // .NET escapes + as \u002B: the whole address goes, escape and all.
        #expect(finds("email", #"bob\u002Btag@example.com"#, in: #"{"to":"bob\u002Btag@example.com"}"#))
        // An escaped backslash is no escape of what follows it.
        #expect(finds("email", "nbob@example.com", in: #"{"path":"c:\\nbob@example.com"}"#))
        // A backslash before a byte that makes no JSON escape is only a backslash.
        #expect(finds("email", "alice@corp.com", in: #"CORP\alice@corp.com"#))
        #expect(finds("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE", in: #"C:\AKIAIOSFODNN7EXAMPLE"#))
        #expect(finds("card_number", "4111111111111111", in: #"x\4111111111111111"#))
    }

    @Test("secrets named by their key in the spellings of common tools")
    func keySpellings() {
        #expect(finds("password", "hunter2", in: "{\n  \"password\" : \"hunter2\"\n}"))
        #expect(finds("password", "hunter2", in: "PGPASSWORD=hunter2 psql -h db"))
        #expect(finds("password", "hunter2", in: "newpassword=hunter2"))
        #expect(!finds("password", "x", in: "bypass=x"))
        // Inside a JSON string, an escaped quote does not end the value.
        #expect(finds("password", #"\"hunter2\""#, in: #"{"log":"password: \"hunter2\""}"#))
        // A PEM block that is no private key is the secret key's value.
        #expect(finds("password", #"-----BEGIN OpenVPN Static key V1-----\nabc\n-----END OpenVPN Static key V1-----"#, in: #"{"secret":"-----BEGIN OpenVPN Static key V1-----\nabc\n-----END OpenVPN Static key V1-----"}"#))
        // Long values are masked whole, not left whole.
        let long = String(repeating: "a", count: 1_500)
        #expect(finds("password", long, in: "password=" + long))
        #expect(finds("password", long, in: #"{"refresh_token":""# + long + #""}"#))
    }

    @Test("context from keys made of parts: date_of_birth, dateOfBirth, phone_number, customer_ssn")
    func keyParts() {
        #expect(finds("date_of_birth", "1990-01-02", in: #"{"date_of_birth":"1990-01-02"}"#))
        #expect(finds("date_of_birth", "1990-01-02", in: #"{"dateOfBirth":"1990-01-02"}"#))
        #expect(finds("date_of_birth", "1990-01-02", in: #"{"birth_date":"1990-01-02"}"#))
        #expect(finds("phone", "4155552671", in: #"{"phone_number":"4155552671"}"#))
        #expect(finds("ssn", "123456789", in: #"{"customer_ssn":"123456789"}"#))
        #expect(finds("passport", "X12345678", in: #"{"passport_number":"X12345678"}"#))
        #expect(findsNo("date_of_birth", in: #"{"created_at":"1990-01-02"}"#))
    }

    @Test("digits grouped with no-break, thin or narrow spaces, as word processors and locales write them")
    func wideSpaces() {
        for space in ["\u{A0}", "\u{2009}", "\u{202F}"] {
            let card = ["4111", "1111", "1111", "1111"].joined(separator: space)
            #expect(finds("card_number", card, in: "card\(space)\(card)"), "U+\(String(space.unicodeScalars.first!.value, radix: 16))")
            let ssn = ["123", "45", "6789"].joined(separator: space)
            #expect(finds("ssn", ssn, in: "SSN\(space)\(ssn)."), "\(ssn)")
        }
        #expect(finds("phone", "+33\u{A0}1\u{A0}23\u{A0}45\u{A0}67\u{A0}89", in: "tel +33\u{A0}1\u{A0}23\u{A0}45\u{A0}67\u{A0}89"))
        // Words around a no-break space are still two words: the context reaches the number.
        #expect(finds("ssn", "123456789", in: "ssn\u{A0}123456789"))
        #expect(findsNo("card_number", in: "total\u{A0}1234 5678"))
    }

    @Test("a card followed by more groups in its own style: 4111 1111 1111 1111 12/26")
    func cardThenExpiry() {
        #expect(finds("card_number", "4111 1111 1111 1111", in: "card 4111 1111 1111 1111 12/26"))
        #expect(finds("card_number", "4111 1111 1111 1111", in: "paid with 4111 1111 1111 1111 123 at noon"))
    }

    @Test("postal addresses and names, as a best effort")
    func addressesAndNames() {
        #expect(finds("postal_address", "1600 Pennsylvania Avenue NW, Washington, DC 20500", in: "lives at 1600 Pennsylvania Avenue NW, Washington, DC 20500."))
        #expect(finds("postal_address", "42 Main St.", in: "ship to 42 Main St. today"))
        #expect(finds("person_name", "John Smith", in: "Dear John Smith,"))
        #expect(finds("person_name", "Maria Garcia", in: "Patient: Maria Garcia, 42"))
        #expect(finds("person_name", "Ana Lima", in: #"{"customer_name": "Ana Lima"}"#))
        #expect(finds("person_name", "Brown", in: "Mr. Brown called"))
        #expect(finds("person_name", "José Álvarez", in: "name: José Álvarez"))
        for negative in [#"{"hostname": "Web Server"}"#, "name: none", "42 Items shipped", "filename=Report Final", "the patient is stable"] {
            #expect(findsNo("person_name", in: negative) && findsNo("postal_address", in: negative), "\(negative)")
        }
    }

    @Test("cloud and SaaS credentials by their fixed prefixes")
    func prefixedSecrets() {
        #expect(finds("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE", in: "key AKIAIOSFODNN7EXAMPLE"))
        #expect(finds("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", in: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
        let classic = "ghp_" + String(repeating: "aB3dE5gH7j", count: 3) + "K9mN1p"
        #expect(finds("github_token", classic, in: "token \(classic)"))
        let fineGrained = "github_pat_11ABCDEFG0" + String(repeating: "xY1zW2", count: 12)
        #expect(finds("github_token", fineGrained, in: fineGrained))
        let slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
        #expect(finds("slack_token", slack, in: "SLACK=\(slack)"))
        let webhook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
        #expect(finds("slack_webhook", webhook, in: "post to \(webhook) now"))
        let stripe = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
        #expect(finds("stripe_key", stripe, in: "stripe \(stripe)"))
        let google = "AIza" + "SyA-1234567890abcdefghijklmnopqrstu"
        #expect(finds("google_api_key", google, in: "key=\(google)&q=1"))
        for negative in ["AKIAIOSFODNN7EXAMPL", "ghp_short", "xoxb-1", "sk_live_short", "AIzaShort", "sk_demo_4eC39HqLyjWDarjtT1zdp7dc"] {
            let types = detected(negative).map(\.type)
            #expect(!types.contains { ["aws_access_key_id", "github_token", "slack_token", "stripe_key", "google_api_key"].contains($0) }, "\(negative)")
        }
    }

    @Test("JWTs, PEM private keys and passwords in URLs")
    func structuredSecrets() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        #expect(finds("jwt", jwt, in: "token: \(jwt)") || finds("bearer_token", jwt, in: "token: \(jwt)") || detected("token: \(jwt)").contains { $0.value == jwt })
        #expect(finds("jwt", jwt, in: "jwt \(jwt) end"))
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\nq3X9Zk+/abc=\n-----END RSA PRIVATE KEY-----"
        #expect(finds("private_key", pem, in: "key:\n\(pem)\nafter"))
        let escaped = #"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"#
        #expect(detected(#"{"private_key": ""# + escaped + #""}"#).contains { $0.type == "private_key" })
        #expect(finds("url_password", "s3cr3t", in: "postgres://admin:s3cr3t@db.internal:5432/app"))
        #expect(findsNo("email", in: "postgres://admin:s3cr3t@db.internal.example.com:5432/app"))
        for negative in ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "eyJnotajwt", "https://example.com/path@v2", "ssh://git@github.com/org/repo"] {
            #expect(findsNo("private_key", in: negative) && findsNo("jwt", in: negative) && findsNo("url_password", in: negative), "\(negative)")
        }
    }

    @Test("values of secret-named keys in key=value, JSON, YAML, headers and flags")
    func keywordValues() {
        #expect(finds("password", "hunter2", in: "login user=bob password=hunter2 ok"))
        #expect(finds("password", "abcd1234", in: #"{"api_key": "abcd1234", "n": 1}"#))
        #expect(finds("password", "my secret value", in: "db:\n  secret: my secret value\n  port: 5432"))
        #expect(finds("password", "tok-123", in: "run --token=tok-123 --verbose"))
        #expect(finds("password", "zz9-plural", in: "X-Api-Key: zz9-plural"))
        #expect(finds("password", "p@ss w0rd", in: #"DB_PASSWORD="p@ss w0rd""#))
        #expect(finds("password", "Summer2026!", in: "dbPassword: Summer2026!"))
        #expect(finds("bearer_token", "abcdef1234567890abcdef", in: "Authorization: Bearer abcdef1234567890abcdef"))
        #expect(finds("basic_auth", "dXNlcjpwYXNzd29yZA==", in: "Authorization: Basic dXNlcjpwYXNzd29yZA=="))
        #expect(finds("high_entropy_secret", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", in: "signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))
        for negative in [
            "password=", "password=<PASSWORD>", "password=[REDACTED]", "password: ********", "password=${DB_PASSWORD}",
            "token_type=bearer", "max_tokens=200", "public_key=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
            "key=550e8400-e29b-41d4-a716-446655440000", "key=aaaaaaaaaaaaaaaaaaaa", "passwordless=true", "time 12:30:45",
        ] {
            let types = detected(negative).map(\.type)
            #expect(!types.contains { ["password", "high_entropy_secret", "bearer_token"].contains($0) }, "\(negative)")
        }
    }

    @Test("identifiers that only look sensitive are left alone")
    func hardNegatives() {
        let text = """
            commit 4f2c3b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b
            request 550e8400-e29b-41d4-a716-446655440000 took 12ms
            order ORD-2026-000123 shipped; sku 00012345678905
            at com.example.Service.run(Service.java:42)
            2026-11-22T07:41:51.123Z INFO pid=4242 build 1.4.2-rc1
            sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """
        #expect(detected(text).isEmpty, "\(detected(text))")
    }
}
