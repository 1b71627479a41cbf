-- wrk script for scripts/bench-server.sh: replays a request list
-- (lines of "session-token<TAB>path"), each request with its own session's
-- cookie and a compressed answer, as a browser or department system would.
-- Arguments after "--": the list file, and the mean think time in ms (0: none).
local list = {}
local at = 1
local think_ms = 0

function init(args)
  for line in io.lines(args[1]) do
    local token, path = line:match("^([^\t]+)\t(.+)$")
    if token then
      list[#list + 1] = wrk.format("GET", path, {
        ["Cookie"] = "renkou_session=" .. token,
        ["Accept-Encoding"] = "gzip, br",
      })
    end
  end
  -- Each thread starts at its own place in the list.
  at = math.random(#list)
  -- Optional think time: each connection is a person who waits a random
  -- 0..2*mean ms between answers (wrk leaves the wait out of the latency).
  think_ms = tonumber(args[2] or "0")
end

function delay()
  if think_ms > 0 then
    return math.random(0, 2 * think_ms)
  end
  return 0
end

function request()
  at = at % #list + 1
  return list[at]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
