-- Each request spends one line of the file ITEMS (a code or a refresh token, single use):
-- BODY_PREFIX .. item, POSTed as a form. Once every item was answered it writes
-- "<200 answers> <seconds from first request to last answer>" to RATE_OUT (wrk itself
-- only stops at the end of its duration; bench/compare stops it when RATE_OUT appears).
-- Refresh tokens found in the answers are appended to SAVE (when set).
local items = {}
for line in io.lines(os.getenv("ITEMS")) do items[#items + 1] = line end
local prefix = os.getenv("BODY_PREFIX")
local save = os.getenv("SAVE")
local out = save and save ~= "" and io.open(save, "a") or nil
local next_item, answered, ok, started = 1, 0, 0, nil
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

-- Seconds since boot, to 10 ms: LuaJIT has no finer wall clock.
local function now()
  local f = io.open("/proc/uptime")
  local t = f:read("*n")
  f:close()
  return t
end

local calls = 0
request = function()
  calls = calls + 1
  local item = calls > 1 and items[next_item]
  if not item then
    -- wrk calls request() once when the thread starts without sending what it returns,
    -- and again after every item is out: neither may spend an item, and what they
    -- return is not counted (no JSON answer).
    return wrk.format("GET", "/healthz", nil, nil)
  end
  if not started then started = now() end
  next_item = next_item + 1
  return wrk.format(nil, nil, nil, prefix .. item)
end

response = function(status, headers, body)
  -- Token endpoint answers are JSON objects; /healthz's is not.
  if body:sub(1, 1) ~= "{" then return end
  answered = answered + 1
  if status == 200 then
    ok = ok + 1
    if out then
      local rt = body:match('"refresh_token":"([^"]+)"')
      if rt then out:write(rt, "\n") end
    end
  end
  if answered == #items then
    if out then out:flush() end
    local f = io.open(os.getenv("RATE_OUT"), "w")
    f:write(string.format("%d %.2f\n", ok, now() - started))
    f:close()
    wrk.thread:stop()
  end
end
