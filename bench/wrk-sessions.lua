-- The `sessions` mix of scripts/bench.ts for wrk (`npm run bench -- --client wrk`): the same
-- requests autocannon sends there — RECORD_SESSION or SCHEDULE_SESSION on cases in
-- mediation.active, visited in a stride of 7919, half by the case's deputy and half by court
-- staff, each with its own X-Request-Id and Idempotency-Key — from a load generator written in C,
-- as pgbench is. Each answer is written to a file of its thread (status, the server's request id,
-- the echoed client request id, and the start of a refusal's body) for the bench's exactly-once
-- check; the latency distribution goes to summary.txt.
--
--   WRK_CASES=F WRK_COURT=TOKEN WRK_OUT=DIR WRK_PREFIX=P wrk -t2 -c32 -d10s -s bench/wrk-sessions.lua URL
--
-- WRK_CASES: a file of one case a line, "case id<TAB>deputy's token<TAB>deputy id". (The
-- environment, not script arguments: `done` runs where `init`'s arguments never arrive.)

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

local cases, court, out, prefix
local n, i = 0, 0

function init()
  cases = {}
  for line in io.lines(os.getenv("WRK_CASES")) do
    local id, token, deputy = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if id then cases[#cases + 1] = { id = id, token = token, deputy = deputy } end
  end
  court = os.getenv("WRK_COURT")
  out = assert(io.open(os.getenv("WRK_OUT") .. "/answers-" .. tid .. ".tsv", "w"))
  prefix = os.getenv("WRK_PREFIX") .. "-" .. tid
  math.randomseed(os.time() * 100 + tid)
  i = math.random(0, #cases - 1)
end

local function iso(offsetSeconds)
  return os.date("!%Y-%m-%dT%H:%M:%S", os.time() + offsetSeconds) .. ".000Z"
end

function request()
  -- Cases visited in a stride so concurrent connections rarely meet on one case.
  i = (i + 7919) % #cases
  local c = cases[i + 1]
  local byDeputy = i % 2 == 0
  local body
  if math.floor(i / 2) % 2 == 0 then
    body = '{"type":"RECORD_SESSION","heldAt":"' .. iso(-3600) .. '","attendeeDeputyIds":["' .. c.deputy
      .. '"],"minutes":"双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。"}'
  else
    body = '{"type":"SCHEDULE_SESSION","at":"' .. iso(3 * 86400) .. '","location":"联络站调解室"}'
  end
  n = n + 1
  local rid = prefix .. "-" .. n
  return wrk.format("POST", "/api/cases/" .. c.id .. "/events", {
    ["Authorization"] = "Bearer " .. (byDeputy and c.token or court),
    ["Content-Type"] = "application/json",
    ["X-Request-Id"] = rid,
    ["Idempotency-Key"] = "k-" .. rid,
  }, body)
end

function response(status, headers, body)
  local refused = ""
  if status < 200 or status >= 300 then refused = (body or ""):sub(1, 300):gsub("[\t\r\n]", " ") end
  out:write(status, "\t", headers["x-request-id"] or "", "\t", headers["x-client-request-id"] or "", "\t", refused, "\n")
end

function done(summary, latency, requests)
  local f = assert(io.open(os.getenv("WRK_OUT") .. "/summary.txt", "w"))
  local e = summary.errors
  f:write("duration_us ", summary.duration, "\n", "requests ", summary.requests, "\n")
  f:write("errors ", e.connect + e.read + e.write + e.timeout, "\n", "timeouts ", e.timeout, "\n", "non2xx ", e.status, "\n")
  f:write("mean ", latency.mean, "\n", "stdev ", latency.stdev, "\n", "max ", latency.max, "\n")
  for _, p in ipairs({ 10, 25, 50, 75, 90, 97.5, 99, 99.9 }) do
    f:write("p", p, " ", latency:percentile(p), "\n")
  end
  f:close()
end
