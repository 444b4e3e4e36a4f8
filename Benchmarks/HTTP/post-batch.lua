-- 1,000 events per request, as NDJSON: POST /v1/events.
local lines = {}
for i = 1, 1000 do
    lines[i] = string.format('{"kind":"transform","inputs":["dataset:bench/src-%d"],"outputs":["dataset:bench/out-%d"],"attributes":{"rows":%d,"job":"bench"}}', i % 500, i % 700, i)
end
local body = table.concat(lines, "\n") .. "\n"
request = function()
    return wrk.format("POST", "/v1/events", {["Authorization"] = "Bearer " .. os.getenv("CUSTOS_KEY"), ["Content-Type"] = "application/x-ndjson"}, body)
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors_status=%d p50_ms=%.3f p99_ms=%.3f events_per_s=%.0f\n",
        summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000, 1000 * summary.requests / (summary.duration / 1e6)))
end
