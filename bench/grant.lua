-- wrk script: grantPermission of 3 devices, every request to a (user,
-- device triple) pair no other request of the benchmark uses, so that no
-- grant conflicts with an earlier one.
--
-- BENCH_USERS    file with one user ID per line (the seeded users)
-- BENCH_DEVICES  file with one device ID per line, devices no user holds
--                yet (run.sh creates them); consecutive lines form triples
-- BENCH_THREADS  wrk's -t (each thread takes every BENCH_THREADS-th slot)
-- BENCH_OFFSET   the first slot of this run (the "next=" value printed by
--                the previous run), so that runs do not reuse slots
--
-- Slot n grants user n mod #users the triple floor(n / #users). The RESULT
-- line ends with next=<first unused slot> and exhausted=<requests beyond
-- the pool> (those repeat earlier slots and fail with CONFLICT).
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

local query = "mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { invitation { id } permissions { id } } }"

common.install(function(threads)
  local next_slot, exhausted = tonumber(os.getenv("BENCH_OFFSET") or "0"), 0
  for _, t in ipairs(threads) do
    next_slot = math.max(next_slot, t:get("slot") or 0)
    exhausted = exhausted + (t:get("exhausted") or 0)
  end
  return { "next=" .. next_slot, "exhausted=" .. exhausted }
end)

local users, devices, headers, stride, capacity

function init(args)
  headers = common.headers()
  users = common.read_lines(assert(os.getenv("BENCH_USERS"), "BENCH_USERS is not set"))
  devices = common.read_lines(assert(os.getenv("BENCH_DEVICES"), "BENCH_DEVICES is not set"))
  stride = tonumber((assert(os.getenv("BENCH_THREADS"), "BENCH_THREADS is not set")))
  capacity = #users * math.floor(#devices / 3)
  assert(capacity > 0, "no users or fewer than 3 devices")
  -- slot is the next slot this thread will use; exported to done().
  slot = tonumber(os.getenv("BENCH_OFFSET") or "0") + (id or 0)
  exhausted = 0
end

function request()
  local n = slot
  slot = slot + stride
  if n >= capacity then exhausted = exhausted + 1 end
  n = n % capacity
  local u = users[(n % #users) + 1]
  local k = math.floor(n / #users) * 3
  local body = string.format(
    '{"query":"%s","variables":{"in":{"userID":"%s","deviceIDs":["%s","%s","%s"]}}}',
    query, u, devices[k + 1], devices[k + 2], devices[k + 3])
  return wrk.format("POST", wrk.path, headers, body)
end
