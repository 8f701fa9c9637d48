-- Shared by the wrk scripts of bench/: one JSON line, prefixed with "WRK_RESULT ", that
-- bench/wrk_driver.py parses. wrk's latencies are in microseconds; the line is in ms.
-- Latencies are those of completed requests only: errors.timeout counts the others.

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"seconds":%.6f,"rps":%.3f,'
         .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"mean_ms":%.3f,"max_ms":%.3f,'
         .. '"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000,
      summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
end
