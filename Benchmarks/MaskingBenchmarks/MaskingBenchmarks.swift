import Benchmark
import BenchmarkSupport
import CustosMasking
import CustosTestSupport
import Foundation

// Masking throughput on one core over a generated 20 MB corpus of mixed text (logs, JSON,
// chat, CSV, stack traces, shell history), beside Swift's Regex on the same bytes; peak memory
// for 20 MB and for 100 MB streamed; and, printed at set-up, precision and recall per type.

/// The corpora, made once per process: every line sensitive (dense), or one line in ten (logs).
final class Corpus: Sendable {
    static let shared = Corpus(sensitiveShare: 1)
    static let logs = Corpus(sensitiveShare: 0.1)
    let corpus: MaskingCorpus
    init(sensitiveShare: Double) { corpus = MaskingCorpus(size: 20_000_000, seed: 2026, sensitiveShare: sensitiveShare) }
    var bytes: [UInt8] { corpus.bytes }
    var megabytes: Double { Double(corpus.bytes.count) / 1_000_000 }
}

/// Streams `bytes` through a masker `repeats` times in 64 KiB chunks; returns the bytes out.
func stream(_ bytes: [UInt8], repeats: Int = 1, hashing: Bool = true) -> Int {
    var stream = Masker().stream(format: .text, hashing: hashing)
    var out = 0
    let chunk = 1 << 16
    for _ in 0..<repeats {
        bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(all.count, offset + chunk)
                stream.write(UnsafeRawBufferPointer(rebasing: all[offset..<end])) { out += $0.count }
                offset = end
            }
        }
    }
    _ = stream.finish { out += $0.count }
    return out
}

func printAccuracy() {
    let corpus = Corpus.shared.corpus
    let findings = Masker().maskedFindings(in: corpus.bytes, format: .text).map { ($0.type.name, $0.range) }
    let score = MaskingCorpus.Score(corpus: corpus, findings: findings)
    print("accuracy on \(corpus.bytes.count) bytes, \(corpus.labels.count) labeled values:")
    for (type, counts) in score.byType.sorted(by: { $0.key < $1.key }) {
        print(String(format: "  %-24@ precision %.4f  recall %.4f  (tp %d, fp %d, fn %d)", type as NSString, counts.precision, counts.recall, counts.truePositives, counts.falsePositives, counts.falseNegatives))
    }
    for (name, group) in [("secrets", MaskingCorpus.secretTypes), ("checksummed or structured PII", MaskingCorpus.structuredPIITypes),
                          ("context PII", MaskingCorpus.contextPIITypes), ("best effort (names, addresses)", MaskingCorpus.bestEffortTypes)] {
        let counts = score.group(group)
        print(String(format: "  %@: precision %.4f  recall %.4f", name as NSString, counts.precision, counts.recall))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 30
    )

    Benchmark(
        "Mask 20 MB of mixed text, streamed",
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(Corpus.shared.bytes)) }
        },
        setup: {
            printAccuracy()
            print("corpus: \(Corpus.shared.megabytes) MB")
        }
    )

    Benchmark(
        "Mask 20 MB of log text, one line in ten sensitive, streamed, no hashes",
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(Corpus.logs.bytes, hashing: false)) }
        }
    )

    Benchmark(
        "Mask 20 MB of log text, one line in ten sensitive, streamed",
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(Corpus.logs.bytes)) }
        },
        setup: { print("log corpus: \(Corpus.logs.megabytes) MB, \(Corpus.logs.corpus.labels.count) labeled values") }
    )

    Benchmark(
        "Mask 100 MB of mixed text, streamed",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(30), maxIterations: 3),
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(Corpus.shared.bytes, repeats: 5)) }
        },
        setup: { _ = Corpus.shared.bytes.count }
    )

    // Hostile input, against the mixed megabyte below: text that starts detectors which read far
    // ahead (PEM headers without an end, secret keys followed by long runs), to show that its
    // cost per byte stays within a small factor of ordinary text's.
    let hostile = Array(
        (String(repeating: "-----BEGIN PRIVATE KEY-----!", count: 20_000) + String(repeating: "pass=", count: 100_000) + String(repeating: "a\\n", count: 100_000)).utf8
    ).prefix(1_000_000)
    Benchmark(
        "Mask 1 MB of hostile text (PEM headers without an end, pass=pass=…)",
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(Array(hostile))) }
        }
    )

    // The reference: one email pattern with Swift Regex over the first megabyte, against the
    // whole masker (every detector) over the same megabyte.
    let megabyte = Array(Corpus.shared.bytes.prefix(1_000_000))
    Benchmark(
        "Mask 1 MB, every detector",
        closure: { benchmark in
            for _ in benchmark.scaledIterations { blackHole(stream(megabyte)) }
        }
    )
    Benchmark(
        "Swift Regex, one email pattern, 1 MB",
        configuration: .init(metrics: [.wallClock], warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 5),
        closure: { benchmark in
            let text = String(decoding: megabyte, as: UTF8.self)
            let email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/
            for _ in benchmark.scaledIterations { blackHole(text.matches(of: email).count) }
        }
    )
}
