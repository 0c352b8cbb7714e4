-- KEYS: entries, conns, online, device status. ARGV: uuid, connection id, '1' for a device.
-- Returns 1 when the principal has no entry left (went offline); 0 for an unknown id.
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
prune(KEYS[1], KEYS[2], ARGV[1], nowms())
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[3] == '1' then redis.call('HDEL', KEYS[4], ARGV[1]) end
return 1
