-- GET <the URL's path><id> for a fixed list of ids, round-robin (each thread starting at its
-- own place in the list). The URL's path ends with "/".
-- Environment (set by bench/wrk_driver.py):
--   WRK_TOKEN  the bearer token of the Authorization header
--   WRK_IDS    the ids, separated by commas

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0

function setup(thread)
   thread:set("tid", threads)
   threads = threads + 1
end

local requests = {}
local next_index = 0

function init(args)
   wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("WRK_TOKEN"), "WRK_TOKEN is not set")
   for id in assert(os.getenv("WRK_IDS"), "WRK_IDS is not set"):gmatch("[^,]+") do
      requests[#requests + 1] = wrk.format("GET", wrk.path .. id)
   end
   assert(#requests > 0, "WRK_IDS has no id")
   next_index = (tid * 7919) % #requests
end

function request()
   next_index = next_index % #requests + 1
   return requests[next_index]
end
