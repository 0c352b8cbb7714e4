-- KEYS: busy. ARGV: uuid, session.
-- Returns 1 when the principal is now busy in that session (the first session is kept).
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if current == ARGV[2] then return 1 end
return 0
