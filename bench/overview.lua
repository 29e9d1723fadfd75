-- wrk script: the admin app's overview query. BENCH_BODY names a file
-- holding the JSON request body; run.sh writes it from the overview
-- constant in graph/statements_test.go.
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

common.install()

local body

function init(args)
  body = common.read_file(assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set"))
  wrk.method = "POST"
  wrk.headers = common.headers()
  wrk.body = body
end

function request()
  return wrk.format("POST", wrk.path, wrk.headers, body)
end
