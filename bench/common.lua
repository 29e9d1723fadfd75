-- Shared by the wrk scripts in this folder (loaded with require "common").
--
-- Environment (set by bench/run.sh):
--   BENCH_TOKEN   the admin token, sent as "Authorization: Bearer <token>"
--   BENCH_NAME    the label printed on the RESULT line
--
-- Every thread counts, in response(), the answers that are not HTTP 2xx and
-- the HTTP 2xx answers whose body carries a GraphQL "errors" member, with
-- the first extensions.code seen. done() adds the threads up and prints one
-- machine-readable RESULT line (tab-separated) after wrk's own report.

local M = {}

local threads = {}

-- headers returns wrk's headers (which hold Host: this wrk's wrk.format
-- does not add it) with the JSON content type and the token.
function M.headers()
  local h = wrk.headers
  h["Content-Type"] = "application/json"
  h["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
  return h
end

-- read_lines returns the lines of a file, without empty ones.
function M.read_lines(path)
  local f = assert(io.open(path, "r"))
  local out = {}
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  return out
end

function M.read_file(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return s
end

-- install defines wrk's setup, response and done globals. The script
-- defines init and request itself; extra(thread) may add fields to the
-- RESULT line (a table of strings).
function M.install(extra)
  _G.setup = function(thread)
    thread:set("id", #threads)
    threads[#threads + 1] = thread
  end

  -- Per-thread counters (each thread has its own Lua state).
  non2xx, gql_errors, checked, codes = 0, 0, 0, ""
  local code_counts = {}

  -- count keeps a compact "CODE=n,CODE=n" summary that done() can read.
  local function count(c)
    code_counts[c] = (code_counts[c] or 0) + 1
    local parts = {}
    for k, v in pairs(code_counts) do parts[#parts + 1] = k .. "=" .. v end
    table.sort(parts)
    codes = table.concat(parts, ",")
  end

  _G.response = function(status, headers, body)
    checked = checked + 1
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
      count("HTTP" .. status)
    elseif body and string.find(body, '"errors"', 1, true) then
      gql_errors = gql_errors + 1
      count(string.match(body, '"code"%s*:%s*"([%w_]+)"') or "unknown")
    end
  end

  _G.done = function(summary, latency, requests)
    local bad_http, bad_gql, seen, sums = 0, 0, 0, {}
    for _, t in ipairs(threads) do
      bad_http = bad_http + (t:get("non2xx") or 0)
      bad_gql = bad_gql + (t:get("gql_errors") or 0)
      seen = seen + (t:get("checked") or 0)
      for k, v in string.gmatch(t:get("codes") or "", "([%w_]+)=(%d+)") do
        sums[k] = (sums[k] or 0) + tonumber(v)
      end
    end
    local code_list = {}
    for k, v in pairs(sums) do code_list[#code_list + 1] = k .. "=" .. v end
    table.sort(code_list)
    local secs = summary.duration / 1e6
    local e = summary.errors
    local sock = e.connect + e.read + e.write + e.timeout
    local fields = {
      "RESULT",
      os.getenv("BENCH_NAME") or "unnamed",
      string.format("%.1f", summary.requests / secs),
      string.format("%.2f", latency:percentile(50) / 1000),
      string.format("%.2f", latency:percentile(90) / 1000),
      string.format("%.2f", latency:percentile(99) / 1000),
      tostring(summary.requests),
      tostring(bad_http),
      tostring(bad_gql),
      tostring(sock),
      (#code_list > 0) and table.concat(code_list, ",") or "-",
    }
    if extra then
      for _, f in ipairs(extra(threads)) do fields[#fields + 1] = f end
    end
    local line = table.concat(fields, "\t")
    io.write(string.format(
      "answers checked: %d, non-2xx: %d, GraphQL errors: %d, socket errors: %d (connect %d, read %d, write %d, timeout %d), codes: %s\n",
      seen, bad_http, bad_gql, sock, e.connect, e.read, e.write, e.timeout, fields[11]))
    io.write(line, "\n")
  end
end

return M
