-- POST the URL's path with a JSON body, each request with a distinct candidate name.
-- Environment (set by bench/wrk_driver.py):
--   WRK_TOKEN  the bearer token of the Authorization header
--   WRK_BODY   the JSON body, with the placeholder __CANDIDATE__ where the name goes
-- Names are "Candidate <thread>-<n>": distinct across threads and requests of one run.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0

function setup(thread)
   thread:set("tid", threads)
   threads = threads + 1
end

local prefix, suffix
local sent = 0

function init(args)
   local body = assert(os.getenv("WRK_BODY"), "WRK_BODY is not set")
   prefix, suffix = body:match("^(.-)__CANDIDATE__(.*)$")
   assert(prefix, "WRK_BODY has no __CANDIDATE__ placeholder")
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("WRK_TOKEN"), "WRK_TOKEN is not set")
end

function request()
   sent = sent + 1
   return wrk.format(nil, nil, nil, prefix .. "Candidate " .. tid .. "-" .. sent .. suffix)
end
