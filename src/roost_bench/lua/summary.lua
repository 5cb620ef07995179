-- Shared tail of every Roost bench script (roost_bench.wrk appends the
-- workload script after it). Each wrk thread has its own Lua state: the
-- workload counts its requests by kind in the global `counts`, and done()
-- (run in the main state) sums them over threads and prints one JSON line
-- that roost_bench.wrk parses.

local threads = {}
counts = {}

function setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

function count(kind)
  counts[kind] = (counts[kind] or 0) + 1
end

local function json_number(value)
  if value ~= value or value == math.huge or value == -math.huge then
    return "0"
  end
  return string.format("%.3f", value)
end

function done(summary, latency, requests)
  local kinds = {}
  for _, thread in ipairs(threads) do
    local per_thread = thread:get("counts")
    if per_thread then
      for kind, n in pairs(per_thread) do
        kinds[kind] = (kinds[kind] or 0) + n
      end
    end
  end
  local kind_parts = {}
  for kind, n in pairs(kinds) do
    table.insert(kind_parts, string.format('"%s":%d', kind, n))
  end
  local pct_parts = {}
  for _, p in ipairs({50, 75, 90, 95, 99, 99.9}) do
    table.insert(pct_parts, string.format('"%s":%s', tostring(p), json_number(latency:percentile(p))))
  end
  local e = summary.errors
  io.write("ROOST_WRK_JSON ", string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%s,"max":%s,"mean":%s,"stdev":%s,"percentiles":{%s}},' ..
    '"kinds":{%s}}',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    json_number(latency.min), json_number(latency.max), json_number(latency.mean),
    json_number(latency.stdev), table.concat(pct_parts, ","), table.concat(kind_parts, ",")
  ), "\n")
end
