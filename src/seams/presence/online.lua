-- KEYS: online. ARGV: conns key prefix. Returns the live uuids in came-online order.
local now = '(' .. string.format('%d', nowms())
local out = {}
for _, uuid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('ZCOUNT', ARGV[1] .. uuid, now, '+inf') > 0 then table.insert(out, uuid) end
end
return out
