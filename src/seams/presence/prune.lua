-- Prelude: removes the expired entries of one principal (its entries and conns keys, uuid).
local function prune(entries, conns, uuid, now)
  local dead = redis.call('ZRANGEBYSCORE', conns, '-inf', now)
  for _, id in ipairs(dead) do
    redis.call('ZREM', entries, uuid .. '|' .. id)
  end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', conns, '-inf', now) end
end
