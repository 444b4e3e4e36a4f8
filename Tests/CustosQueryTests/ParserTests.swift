import Testing

@testable import CustosQuery

@Suite("LQL parser: one golden test per grammar rule")
struct ParserTests {
    /// (query as written, normalized form).
    static let goldenCases: [(String, String)] = [
        // trace
        (#"trace upstream from "export:s3://partner/q3.csv" depth 10 through transform, mask"#,
         #"TRACE UPSTREAM FROM "export:s3://partner/q3.csv" DEPTH 10 THROUGH transform, mask"#),
        (#"TRACE DOWNSTREAM FROM $source ONLY export LIMIT 50"#, #"TRACE DOWNSTREAM FROM $source ONLY export LIMIT 50"#),
        (#"Trace Upstream From "dataset:a" As Of Checkpoint 1200"#, #"TRACE UPSTREAM FROM "dataset:a" AS OF CHECKPOINT 1200"#),
        // paths, node sets
        (#"PATHS FROM dataset TAGGED pii TO export AVOIDING mask"#, #"PATHS FROM dataset TAGGED pii TO export AVOIDING mask"#),
        (#"paths from "dataset:a" to "export:b" through mask depth 8 limit 5"#, #"PATHS FROM "dataset:a" TO "export:b" THROUGH mask DEPTH 8 LIMIT 5"#),
        (#"PATHS FROM dataset TAGGED pii, phi TO ANY NODE"#, #"PATHS FROM dataset TAGGED pii, phi TO ANY"#),
        // events, conditions, order, limit
        (#"EVENTS WHERE actor = "agent:etl-bot" AND time >= -30d NEWEST FIRST LIMIT 100"#,
         #"EVENTS WHERE actor = "agent:etl-bot" AND time >= -30d NEWEST FIRST LIMIT 100"#),
        (#"events where kind in (export, request) and attributes.rows > 1000 oldest first"#,
         #"EVENTS WHERE kind IN (export, request) AND attributes.rows > 1000 OLDEST FIRST"#),
        (#"EVENTS WHERE on_behalf_of IS MISSING AND actor_type = agent AND seq < 500"#,
         #"EVENTS WHERE on_behalf_of IS MISSING AND actor_type = agent AND seq < 500 NEWEST FIRST"#),
        (#"EVENTS WHERE client_event_id IS NOT MISSING AND kind != transform AND time <= 2026-01-01T09:00:00Z"#,
         #"EVENTS WHERE client_event_id IS NOT MISSING AND kind != transform AND time <= 2026-01-01T09:00:00Z NEWEST FIRST"#),
        (#"EVENTS WHERE node = "request:r-1" AND input = $dataset AND output = 'export:x' DURING 2026-01-01 TO 2026-03-31"#,
         #"EVENTS WHERE node = "request:r-1" AND input = $dataset AND output = "export:x" NEWEST FIRST DURING 2026-01-01 TO 2026-03-31"#),
        // count, groups
        (#"COUNT EVENTS BY kind, day SINCE -7d"#, #"COUNT EVENTS BY KIND, DAY SINCE -7d"#),
        (#"count events where kind = export by actor, actor_type, month, attributes.job between 2026-01-01 and 2026-06-30"#,
         #"COUNT EVENTS WHERE kind = export BY ACTOR, ACTOR_TYPE, MONTH, attributes.job DURING 2026-01-01 TO 2026-06-30"#),
        // find
        (#"FIND EXPORTS WITHOUT APPROVAL DURING $from TO $to"#, #"FIND export WITHOUT APPROVAL DURING $from TO $to"#),
        (#"find exports, escalations or infra_changes without approval limit 10"#, #"FIND export, escalate, infra_change WITHOUT APPROVAL LIMIT 10"#),
        (#"FIND SELF APPROVALS"#, #"FIND SELF APPROVALS"#),
        (#"FIND exports, export, EXPORTS WITHOUT APPROVAL"#, #"FIND export WITHOUT APPROVAL"#),
        (#"FIND EXECUTIONS AFTER DENIAL, EXPIRY OR REVOCATION AS OF SEQ 99"#, #"FIND EXECUTIONS AFTER DENIAL, EXPIRY, REVOCATION AS OF SEQ 99"#),
        (#"FIND EXECUTIONS WITHOUT APPROVAL"#, #"FIND EXECUTIONS WITHOUT APPROVAL"#),
        // tags, view clauses, comments, semicolon
        (#"TAGS OF "dataset:mart/1" AS OF 2026-01-01"#, #"TAGS OF "dataset:mart/1" AS OF 2026-01-01"#),
        ("-- exports that skip masking\nPATHS FROM dataset TAGGED pii -- sources\n  TO export AVOIDING mask;", #"PATHS FROM dataset TAGGED pii TO export AVOIDING mask"#),
    ]

    @Test("each rule parses to its normalized form, and the normal form is a fixed point", arguments: goldenCases)
    func normalizes(input: String, normalized: String) throws {
        let statement = try Parser.parse(input)
        #expect(statement.description == normalized)
        #expect(try Parser.parse(normalized).description == normalized)
    }

    @Test("errors say what was expected and what was found, where, with a caret and a suggestion", arguments: [
        (#"TRACE UPSTRAEM FROM "x:y""#, "expected a direction (UPSTREAM or DOWNSTREAM), found UPSTRAEM", 1, 7, "UPSTREAM"),
        (#"EVENTS WHERE actr = "agent:x""#, "expected an event field", 1, 14, "ACTOR"),
        ("EVENTS\nWHERE kind = export\n  NEWSET FIRST", "expected WHERE, NEWEST, OLDEST, LIMIT", 3, 3, "NEWEST"),
        (#"TRACE UPSTREAM FROM dataset:x"#, "expected a node id in double quotes", 1, 21, nil),
        (#"PATHS FROM dataset TAGGED pii TO export AVOIDNG mask"#, "expected AVOIDING, THROUGH, DEPTH", 1, 41, "AVOIDING"),
        (#"EVENTS WHERE kind = "#, "expected a value, found the end of the query", 1, 21, nil),
        (#"EVENTS WHERE kind = "export"#, "unterminated string", 1, 21, nil),
        (#"EVENTS LIMIT ten"#, "expected a limit: a whole number, found ten", 1, 14, nil),
        (#"COUNT EVENTS BY colour"#, "expected a grouping", 1, 17, nil),
        (#"COUNT EVENTS BY kind, kind"#, "kind is grouped by already", 1, 23, nil),
        (#"COUNT EVENTS BY attributes.x BY attributes.x"#, "attributes.x is grouped by already", 1, 33, nil),
        ("EVENTS WHERE kind = export -- only exports\r\nAND seq < 5 @", "unexpected character '@'", 2, 13, nil),
        (#"FIND SELF APPROVAL"#, "expected APPROVALS, found APPROVAL", 1, 11, "APPROVALS"),
        (#"SELECT * FROM events"#, "expected a statement", 1, 1, nil),
        (#"EVENTS WHERE time > -3x"#, "expected a relative time like -30d", 1, 21, nil),
        (#"EVENTS @"#, "unexpected character '@'", 1, 8, nil),
        (#"TRACE UPSTREAM FROM "a:b" DEPTH 3 DEPTH"#, "expected a depth: a whole number", 1, 40, nil),
    ] as [(String, String, Int, Int, String?)])
    func errors(input: String, message: String, line: Int, column: Int, suggestion: String?) {
        do {
            let statement = try Parser.parse(input)
            Issue.record("expected an error, parsed \(statement)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.location.line == line, "\(error)")
            #expect(error.location.column == column, "\(error)")
            #expect(error.suggestion == suggestion, "\(error)")
            let rendered = error.description
            #expect(rendered.contains("\n  " + error.sourceLine + "\n  " + String(repeating: " ", count: column - 1) + "^"))
        }
    }

    @Test("keywords are case-insensitive; node ids keep their case")
    func caseRules() throws {
        let statement = try Parser.parse(#"tRaCe UpStReAm FrOm "Dataset:Mixed/Case""#)
        #expect(statement.description == #"TRACE UPSTREAM FROM "Dataset:Mixed/Case""#)
    }
}
