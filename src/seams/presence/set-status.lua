-- KEYS: device conns, device status. ARGV: uuid, status JSON.
-- Stores the status only while the device has a live entry; 1 if stored.
if redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', nowms()), '+inf') == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
