import CustosMasking
import CustosTestSupport
import Testing

@Suite("Accuracy on the generated corpus")
struct AccuracyTests {
    @Test("recall ≥ 0.98 and precision ≥ 0.95 for secrets and for checksummed or structured PII")
    func targets() {
        let corpus = MaskingCorpus(size: 2_000_000, seed: 7)
        let (_, summary) = Masker().mask(corpus.bytes, format: .text)
        #expect(!summary.findingsTruncated || summary.findings.count == MaskingSummary.maxReportedFindings)
        let findings = Masker().maskedFindings(in: corpus.bytes, format: .text)
        let report = MaskingCorpus.Score(corpus: corpus, findings: findings.map { ($0.type.name, $0.range) })
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
