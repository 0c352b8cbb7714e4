-- KEYS: entries, online, seq. ARGV: conns key prefix, ttl ms, then uuid, connection id pairs.
-- Extends each entry; re-creates a missing one (Redis restarted, or the entry was swept while
-- its node stalled). Returns the uuids that thereby came online again.
local exp = nowms() + tonumber(ARGV[2])
local back = {}
for i = 3, #ARGV, 2 do
  local uuid, id = ARGV[i], ARGV[i + 1]
  local conns = ARGV[1] .. uuid
  local had = redis.call('ZCARD', conns) > 0
  redis.call('ZADD', conns, exp, id)
  redis.call('ZADD', KEYS[1], exp, uuid .. '|' .. id)
  if not had then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), uuid)
    table.insert(back, uuid)
  end
end
return back
