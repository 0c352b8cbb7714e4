-- KEYS: entries, online, device status. ARGV: conns key prefix, '1' for devices, batch size.
-- Removes up to a batch of expired entries; returns {removed, uuids left without any entry}.
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowms(), 'LIMIT', 0, tonumber(ARGV[3]))
local seen, touched, gone = {}, {}, {}
for _, member in ipairs(dead) do
  local sep = string.find(member, '|', 1, true)
  local uuid = string.sub(member, 1, sep - 1)
  redis.call('ZREM', KEYS[1], member)
  redis.call('ZREM', ARGV[1] .. uuid, string.sub(member, sep + 1))
  if not seen[uuid] then
    seen[uuid] = true
    table.insert(touched, uuid)
  end
end
for _, uuid in ipairs(touched) do
  if redis.call('ZCARD', ARGV[1] .. uuid) == 0 then
    redis.call('ZREM', KEYS[2], uuid)
    if ARGV[2] == '1' then redis.call('HDEL', KEYS[3], uuid) end
    table.insert(gone, uuid)
  end
end
return {#dead, gone}
