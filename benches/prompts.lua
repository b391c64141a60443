-- wrk script for benches/serve.sh: every request asks for a prompt picked at random from a
-- names file, so the server (or nginx) is asked for all the prompts, not one hot entry.
--
--   wrk -t2 -c32 -d10s --latency -H "Authorization: Bearer TOKEN" -s benches/prompts.lua \
--       http://127.0.0.1:PORT -- NAMES_FILE [PREFIX] [SUFFIX]
--
-- NAMES_FILE holds one prompt name a line; each request is `GET PREFIX..name..SUFFIX` with the
-- headers given to wrk with -H. PREFIX defaults to /v1/prompts/ and SUFFIX to nothing (for
-- nginx: / and .json). Set PREFIX to a whole path and NAMES_FILE to a file with one line to
-- ask for one path only. The requests are formatted once per thread in init(), so request()
-- costs a random number and a table lookup.

local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("thread_id", counter)
end

local requests = {}
local n = 0

function init(args)
    local names_file = args[1]
    if names_file == nil then
        error("usage: wrk ... -s prompts.lua URL -- NAMES_FILE [PREFIX] [SUFFIX]")
    end
    local prefix = args[2] or "/v1/prompts/"
    local suffix = args[3] or ""
    local f = assert(io.open(names_file, "r"))
    for line in f:lines() do
        local name = line:match("^%s*(.-)%s*$")
        if name ~= "" then
            n = n + 1
            requests[n] = wrk.format("GET", prefix .. name .. suffix)
        end
    end
    f:close()
    if n == 0 then
        error("no names in " .. names_file)
    end
    -- A different sequence in each thread (thread_id is set by setup() above).
    math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function request()
    return requests[math.random(n)]
end
