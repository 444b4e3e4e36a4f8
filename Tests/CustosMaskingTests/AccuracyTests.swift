import CustosMasking
import CustosTestSupport
import Testing

/// Precision and recall per type on the generated corpus, as the benchmark prints them.
struct AccuracyReport {
    struct Counts {
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
        var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
    }

    var byType: [String: Counts] = [:]
    var falsePositiveSamples: [String] = []
    var falseNegativeSamples: [String] = []

    /// Counts a finding as right when a label of its type overlaps it.
    init(corpus: MaskingCorpus, findings: [Finding]) {
        var labelsMatched = Set<Int>()
        let labels = corpus.labels
        var labelIndex = 0
        for finding in findings.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            while labelIndex < labels.count && labels[labelIndex].range.upperBound <= finding.range.lowerBound { labelIndex += 1 }
            var matched = false
            var k = labelIndex
            while k < labels.count && labels[k].range.lowerBound < finding.range.upperBound {
                if labels[k].type == finding.type.name && labels[k].range.overlaps(finding.range) {
                    matched = true
                    labelsMatched.insert(k)
                }
                k += 1
            }
            if matched {
                byType[finding.type.name, default: Counts()].truePositives += 1
            } else {
                byType[finding.type.name, default: Counts()].falsePositives += 1
                if falsePositiveSamples.count < 20 {
                    let context = max(0, finding.range.lowerBound - 40)..<min(corpus.bytes.count, finding.range.upperBound + 20)
                    falsePositiveSamples.append("\(finding.type.name): …\(String(decoding: corpus.bytes[context], as: UTF8.self))…")
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

    func group(_ types: Set<String>) -> Counts {
        var total = Counts()
        for (type, counts) in byType where types.contains(type) {
            total.truePositives += counts.truePositives
            total.falsePositives += counts.falsePositives
            total.falseNegatives += counts.falseNegatives
        }
        return total
    }
}

@Suite("Accuracy on the generated corpus")
struct AccuracyTests {
    @Test("recall ≥ 0.98 and precision ≥ 0.95 for secrets and for checksummed or structured PII")
    func targets() {
        let corpus = MaskingCorpus(size: 2_000_000, seed: 7)
        let (_, summary) = Masker().mask(corpus.bytes, format: .text)
        #expect(!summary.findingsTruncated || summary.findings.count == MaskingSummary.maxReportedFindings)
        let findings = Masker().maskedFindings(in: corpus.bytes, format: .text)
        let report = AccuracyReport(corpus: corpus, findings: findings)
        for (type, counts) in report.byType.sorted(by: { $0.key < $1.key }) {
            print("\(type): precision \(counts.precision) recall \(counts.recall) (tp \(counts.truePositives) fp \(counts.falsePositives) fn \(counts.falseNegatives))")
        }
        for sample in report.falsePositiveSamples { print("FP \(sample)") }
        for sample in report.falseNegativeSamples { print("FN \(sample)") }
        let secrets = report.group(MaskingCorpus.secretTypes)
        let structured = report.group(MaskingCorpus.structuredPIITypes)
        #expect(secrets.recall >= 0.98, "secrets recall \(secrets.recall)")
        #expect(secrets.precision >= 0.95, "secrets precision \(secrets.precision)")
        #expect(structured.recall >= 0.98, "structured PII recall \(structured.recall)")
        #expect(structured.precision >= 0.95, "structured PII precision \(structured.precision)")
        #expect(secrets.truePositives > 1_000 && structured.truePositives > 1_000)
    }
}
