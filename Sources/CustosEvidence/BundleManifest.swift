import CustosLedger

/// `manifest.json`, which lists every other file of a bundle with its SHA-256 and size, and
/// `manifest.sig`, a signed note by the log's key over the manifest's SHA-256: change, add or
/// remove any byte of any file and either a hash or the signature fails.
enum BundleManifest {
    static let format = "custos-evidence/1"
    static let fileName = "manifest.json"
    static let signatureFileName = "manifest.sig"
    /// The first line of the signed note; it can never be a checkpoint's origin line.
    static let noteHeader = "custos evidence manifest v1"

    static func json(_ context: BundleContext, files: [JSONValue]) -> JSONValue {
        var members: [String: JSONValue] = [
            "format": .string(format),
            "framework": .string(context.framework.rawValue),
            "period": [
                "from": .string(context.period.from), "to": .string(context.period.to),
                "start": .string(context.period.times.lowerBound.description), "end": .string(context.period.times.upperBound.description),
            ],
            "generator": ["name": "custos", "version": .string(CustosRelease.version)],
            "origin": .string(context.origin),
            "checkpoint": [
                "size": .number(Double(context.checkpoint.size)), "rootHash": .string(context.checkpoint.rootHash.hex),
                "signedAt": .string(context.checkpoint.signedAt.description), "file": "checkpoint.txt",
            ],
            "population": ["firstSeq": .number(Double(context.firstSeq)), "count": .number(Double(context.eventCount)), "file": "events.ndjson"],
            "controls": .array(context.framework.controls.map { .string("controls/" + $0.slug + ".json") }),
            "files": .array(files),
        ]
        if let previous = context.previous {
            members["previous"] = ["size": .number(Double(previous.size)), "rootHash": .string(previous.rootHash.hex), "file": "previous-checkpoint.txt"]
        }
        return .object(members)
    }

    /// The signed note's text: header, origin, framework and period, the manifest's digest.
    static func noteText(_ context: BundleContext, manifestDigest: Hash256) -> String {
        noteText(origin: context.origin, framework: context.framework.rawValue, from: context.period.from, to: context.period.to, digest: manifestDigest)
    }

    static func noteText(origin: String, framework: String, from: String, to: String, digest: Hash256) -> String {
        "\(noteHeader)\n\(origin)\n\(framework) \(from) \(to)\nsha256 \(digest.hex)\n"
    }
}
