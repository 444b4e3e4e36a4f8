-- One event per request, each a different dataset: POST /v1/events.
counter = 0
request = function()
    counter = counter + 1
    local body = string.format('{"kind":"transform","inputs":["dataset:bench/src-%d"],"outputs":["dataset:bench/out-%d"],"attributes":{"rows":%d,"job":"bench"}}', counter % 500, counter % 700, counter)
    return wrk.format("POST", "/v1/events", {["Authorization"] = "Bearer " .. os.getenv("CUSTOS_KEY"), ["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d p50_ms=%.3f p99_ms=%.3f rps=%.0f\n",
        summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
