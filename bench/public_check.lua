-- wrk script: the public check, one question per POST /api/v1/public/check,
-- cycling through request bodies (one JSON object a line), each thread
-- starting at its own place. No token: the public asks.
-- Usage: wrk … -s bench/public_check.lua URL -- BODIES_FILE
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk_result.lua")

function init(args)
  local file = args[1]
  assert(file, "usage: wrk … -s public_check.lua URL -- BODIES_FILE")
  headers = { ["Content-Type"] = "application/json" }
  bodies = {}
  for line in io.lines(file) do
    bodies[#bodies + 1] = line
  end
  assert(#bodies > 0, "no bodies in " .. file)
  i = (thread_id * 1009) % #bodies
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/v1/public/check", headers, bodies[i])
end
