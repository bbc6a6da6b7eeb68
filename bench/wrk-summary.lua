-- wrk script for bench/serve.sh: prints wrk's exact counts once, at the end, in one line that
-- the script parses (no request/response hook, so it costs nothing per request).
--   WRK requests=N bytes=B duration_us=D connect=E read=E write=E timeout=E status=E p50_us=L p99_us=L
-- status = responses with status >= 400 (wrk counts 3xx as success; serve.sh catches a wrong
-- 200/304 from the byte count instead).
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRK requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.timeout,
        e.status, latency:percentile(50), latency:percentile(99)))
end
