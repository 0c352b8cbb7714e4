-- KEYS: entries, conns, online, seq. ARGV: uuid, connection id, ttl ms.
-- Returns 1 when the principal had no entry before (came online).
local now = nowms()
local had = redis.call('ZCARD', KEYS[2]) > 0
prune(KEYS[1], KEYS[2], ARGV[1], now)
local exp = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], exp, ARGV[2])
redis.call('ZADD', KEYS[1], exp, ARGV[1] .. '|' .. ARGV[2])
if had then return 0 end
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
return 1
