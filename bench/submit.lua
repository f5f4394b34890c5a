-- wrk script: report submissions, one report per POST /api/v1/reports,
-- cycling through report bodies whose id is the placeholder @@ID@@; every
-- request gets a fresh id (RUN-thread-n), so that each one is stored.
-- Usage: wrk … -s bench/submit.lua URL -- REPORTS_FILE TOKEN RUN
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk_result.lua")

function init(args)
  local file, token, run = args[1], args[2], args[3]
  assert(file and token and run, "usage: wrk … -s submit.lua URL -- REPORTS_FILE TOKEN RUN")
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  heads, tails = {}, {}
  for line in io.lines(file) do
    local at = line:find("@@ID@@", 1, true)
    heads[#heads + 1] = line:sub(1, at - 1)
    tails[#tails + 1] = line:sub(at + 6)
  end
  assert(#heads > 0, "no reports in " .. file)
  prefix = run .. "-" .. thread_id .. "-"
  n = 0
  i = (thread_id * 1009) % #heads
end

function request()
  n = n + 1
  i = i % #heads + 1
  return wrk.format("POST", "/api/v1/reports", headers, heads[i] .. prefix .. n .. tails[i])
end
