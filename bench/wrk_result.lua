-- Shared by the wrk scripts (loaded with dofile): one machine-readable line
-- at the end of a run, read by bench/serve_data.py. Latencies in ms.
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local ok = summary.requests - e.status
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f non2xx=%d socket_errors=%d ok_rps=%.1f"
      .. " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
    summary.requests, seconds, e.status, e.connect + e.read + e.write + e.timeout,
    ok / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000))
end

-- Threads number themselves, so that each starts at its own place.
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
