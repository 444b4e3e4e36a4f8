-- Upstream traces of random exports of the 1,000,000-event store: GET /v1/lineage, depth 10.
math.randomseed(11)
request = function()
    local export = math.random(0, 6249)
    return wrk.format("GET", string.format("/v1/lineage?node=export:s3://partner/%d.csv&depth=10&relations=transform,mask", export), {["Authorization"] = "Bearer " .. os.getenv("CUSTOS_KEY")})
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors_status=%d p50_ms=%.3f p99_ms=%.3f rps=%.0f\n",
        summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
