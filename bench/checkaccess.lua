-- wrk script: checkAccess for (user, device) pairs that hold a permission,
-- at a fixed instant. BENCH_PAIRS names a file with one "userID deviceID"
-- pair per line (run.sh takes them from the seeded data); the requests walk
-- through the pairs, so the decisions vary (allowed, outside the window,
-- wrong weekday, pending...).
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

common.install()

local query = "query($u: ID!, $d: ID!, $at: Time) { checkAccess(userID: $u, deviceID: $d, at: $at) { allowed reason } }"
local at = os.getenv("BENCH_AT") or "2026-03-06T09:30:00Z"
local bodies, headers, i = {}, nil, 0

function init(args)
  headers = common.headers()
  for _, line in ipairs(common.read_lines(assert(os.getenv("BENCH_PAIRS"), "BENCH_PAIRS is not set"))) do
    local u, d = string.match(line, "^(%S+)%s+(%S+)$")
    bodies[#bodies + 1] = string.format('{"query":"%s","variables":{"u":"%s","d":"%s","at":"%s"}}', query, u, d, at)
  end
  assert(#bodies > 0, "no pairs")
  i = id or 0 -- threads start at different pairs
end

function request()
  i = i + 1
  return wrk.format("POST", wrk.path, headers, bodies[(i % #bodies) + 1])
end
