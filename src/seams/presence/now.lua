-- Prelude: Redis' own clock in ms, so nodes with skewed clocks agree on what has expired.
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
