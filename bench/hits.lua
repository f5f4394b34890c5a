-- wrk script: single hit queries, GET /api/v1/hits?selector=…, cycling
-- through a file of URL-encoded canonical selectors (one a line); each
-- thread starts at its own offset. Requests are formatted once, up front.
-- Usage: wrk … -s bench/hits.lua URL -- SELECTORS_FILE TOKEN
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "wrk_result.lua")

function init(args)
  local file, token = args[1], args[2]
  assert(file and token, "usage: wrk … -s hits.lua URL -- SELECTORS_FILE TOKEN")
  local headers = { ["Authorization"] = "Bearer " .. token }
  reqs = {}
  for line in io.lines(file) do
    reqs[#reqs + 1] = wrk.format("GET", "/api/v1/hits?selector=" .. line, headers)
  end
  assert(#reqs > 0, "no selectors in " .. file)
  i = (thread_id * 100003) % #reqs
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
