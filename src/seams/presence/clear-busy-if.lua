-- KEYS: busy. ARGV: uuid, session. Clears only when the stored session matches; 1 if cleared.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
