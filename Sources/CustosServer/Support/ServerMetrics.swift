import CustosLedger
import Foundation
import Prometheus
import Synchronization

/// The server's Prometheus metrics: requests by route and status, their durations, appends,
/// batch sizes, commits and their time, queries, errors, refused access, masked values.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let durations: DurationHistogram
    private let batchSizes: ValueHistogram
    private let appended: Counter
    private let commits: Counter
    private let commitSeconds: Counter
    private let commitCPUSeconds: Counter
    private let duplicates: Counter
    private let entries: Gauge
    private let queued: Gauge
    /// The counters of `custos_http_requests_total`, by their labels.
    private let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }
    /// The writer's counters at the last scrape, so that Prometheus counters only grow.
    private let lastWriter = Mutex(WriterStatistics())
    /// The webhooks' counts at the last scrape: delivered, failed, dropped.
    private let lastWebhooks = Mutex([0, 0, 0])

    init() {
        durations = registry.makeDurationHistogram(
            descriptor: Self.descriptor("http_request_duration", "seconds", "Time to answer an HTTP request."),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)]
        )
        batchSizes = registry.makeValueHistogram(
            descriptor: Self.descriptor("append_batch", "events", "Events per append request."), buckets: [1, 10, 100, 1_000, 10_000, 100_000]
        )
        appended = registry.makeCounter(descriptor: Self.descriptor("events_appended", "total", "Entries appended to the log."))
        commits = registry.makeCounter(descriptor: Self.descriptor("commits", "total", "Durable group commits."))
        commitSeconds = registry.makeCounter(descriptor: Self.descriptor("commit_seconds", "total", "Time spent in durable commits."))
        commitCPUSeconds = registry.makeCounter(
            descriptor: Self.descriptor("commit_cpu_seconds", "total", "CPU time of the writer thread in durable commits; the rest of the commit time is waiting for the disk.")
        )
        duplicates = registry.makeCounter(descriptor: Self.descriptor("duplicate_events", "total", "Events answered as repeats of a client event id."))
        entries = registry.makeGauge(descriptor: Self.descriptor("log", "entries", "Entries in the log."))
        queued = registry.makeGauge(descriptor: Self.descriptor("queued", "events", "Events waiting for the writer."))
    }

    /// `custos_NAME_UNIT`.
    private static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "custos", subsystem: nil, metricName: name, unitName: unit, helpText: help)
    }

    func request(route: String, method: String, status: Int, nanoseconds: Int64) {
        // Every request counts here: its counter is looked up in a table of our own rather
        // than made again through the registry (which builds and checks names each time).
        let key = RequestKey(route: route, method: method, status: status)
        let counter = requestCounters.withLock { counters in
            if let known = counters[key] { return known }
            let made = registry.makeCounter(
                descriptor: Self.descriptor("http_requests", "total", "HTTP requests answered."), labels: [("route", route), ("method", method), ("status", String(status))]
            )
            counters[key] = made
            return made
        }
        counter.increment()
        durations.recordNanoseconds(nanoseconds)
        if status >= 400 {
            registry.makeCounter(descriptor: Self.descriptor("http_errors", "total", "HTTP requests answered with an error."), labels: [("status", String(status))]).increment()
        }
    }

    func appendBatch(_ count: Int) { batchSizes.record(Double(count)) }

    func query(_ statement: String) {
        registry.makeCounter(descriptor: Self.descriptor("queries", "total", "LQL queries run."), labels: [("statement", statement)]).increment()
    }

    func accessDenied(status: Int) {
        registry.makeCounter(descriptor: Self.descriptor("access_denied", "total", "Requests refused for missing or insufficient credentials."), labels: [("status", String(status))]).increment()
    }

    func accessDeniedUnrecorded() {
        registry.makeCounter(descriptor: Self.descriptor("access_denied_unrecorded", "total", "Refusals beyond the recording rate, counted but not written to the log.")).increment()
    }

    func masked(_ counts: [String: Int]) {
        for (type, count) in counts {
            registry.makeCounter(descriptor: Self.descriptor("masked_values", "total", "Values masked, by type."), labels: [("type", type)]).increment(by: Int64(count))
        }
    }

    /// The Prometheus text, with the writer's (and the webhooks') counters brought up to date.
    func render(ledger: Ledger, webhooks: (delivered: Int, failed: Int, dropped: Int)? = nil) -> [UInt8] {
        if let webhooks {
            let now = [webhooks.delivered, webhooks.failed, webhooks.dropped]
            let before = lastWebhooks.withLock { last -> [Int] in
                defer { last = now }
                return last
            }
            for (index, outcome) in ["delivered", "failed", "dropped"].enumerated() where now[index] > before[index] {
                registry.makeCounter(
                    descriptor: Self.descriptor("webhook_messages", "total", "Webhook messages by outcome: delivered, failed for good, dropped from a full queue."),
                    labels: [("outcome", outcome)]
                ).increment(by: Int64(now[index] - before[index]))
            }
        }
        let now = ledger.writerStatistics
        let before = lastWriter.withLock { last -> WriterStatistics in
            let previous = last
            last = now
            return previous
        }
        appended.increment(by: Int64(max(0, now.entriesAppended - before.entriesAppended)))
        commits.increment(by: Int64(max(0, now.commits - before.commits)))
        duplicates.increment(by: Int64(max(0, now.duplicates - before.duplicates)))
        /// The seconds a nanosecond total grew by (none if it went back).
        func secondsAdded(_ now: UInt64, _ before: UInt64) -> Double { now >= before ? Double(now - before) / 1e9 : 0 }
        commitSeconds.increment(by: secondsAdded(now.commitNanoseconds, before.commitNanoseconds))
        commitCPUSeconds.increment(by: secondsAdded(now.commitCPUNanoseconds, before.commitCPUNanoseconds))
        queued.set(Double(now.queuedEvents))
        if let head = try? ledger.head() { entries.set(Double(head.size)) }
        return registry.emitToBuffer()
    }
}
