/**
 * The Lua scripts of RedisPresence (layout in presence-redis.ts). Each runs atomically, so a
 * principal's "came online" / "went offline" is seen by exactly one caller across nodes. Time is
 * Redis' own clock (TIME), in ms, so nodes with skewed clocks agree on what has expired. An
 * entry is live while its expiry is in the future; an expired entry still counts for the
 * came-online/went-offline transitions until a leave, join or sweep removes it, so every
 * announced CONNECTED is matched by exactly one DISCONNECTED.
 */

const NOW = `
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Removes the expired entries of one principal (KEYS entries, conns; uuid). */
const PRUNE = `
local function prune(entries, conns, uuid, now)
  local dead = redis.call('ZRANGEBYSCORE', conns, '-inf', now)
  for _, id in ipairs(dead) do
    redis.call('ZREM', entries, uuid .. '|' .. id)
  end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', conns, '-inf', now) end
end
`;

/**
 * KEYS: entries, conns, online, seq. ARGV: uuid, connection id, ttl ms.
 * Returns 1 when the principal had no entry before (came online).
 */
export const JOIN = `${NOW}${PRUNE}
local now = nowms()
local had = redis.call('ZCARD', KEYS[2]) > 0
prune(KEYS[1], KEYS[2], ARGV[1], now)
local exp = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], exp, ARGV[2])
redis.call('ZADD', KEYS[1], exp, ARGV[1] .. '|' .. ARGV[2])
if had then return 0 end
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
return 1`;

/**
 * KEYS: entries, conns, online, device status. ARGV: uuid, connection id, '1' for a device.
 * Returns 1 when the principal has no entry left (went offline); 0 for an unknown id.
 */
export const LEAVE = `${NOW}${PRUNE}
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
prune(KEYS[1], KEYS[2], ARGV[1], nowms())
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[3] == '1' then redis.call('HDEL', KEYS[4], ARGV[1]) end
return 1`;

/**
 * KEYS: entries, online, device status. ARGV: conns key prefix, '1' for devices, batch size.
 * Removes up to a batch of expired entries; returns the uuids left without any entry.
 */
export const SWEEP = `${NOW}
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
return {#dead, gone}`;

/**
 * KEYS: entries, online, seq. ARGV: conns key prefix, ttl ms, then uuid, connection id pairs.
 * Extends each entry; re-creates a missing one (Redis restarted, or the entry was swept while
 * its node stalled). Returns the uuids that thereby came online again.
 */
export const REFRESH = `${NOW}
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
return back`;

/** KEYS: conns. Returns the number of live entries. */
export const LIVE = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', nowms()), '+inf')`;

/** KEYS: online. ARGV: conns key prefix. Live uuids in came-online order. */
export const ONLINE = `${NOW}
local now = '(' .. string.format('%d', nowms())
local out = {}
for _, uuid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('ZCOUNT', ARGV[1] .. uuid, now, '+inf') > 0 then table.insert(out, uuid) end
end
return out`;

/** KEYS: busy. ARGV: uuid, session. 1 when now busy in that session (first session kept). */
export const SET_BUSY = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if current == ARGV[2] then return 1 end
return 0`;

/** KEYS: busy. ARGV: uuid, session. Clears only when the stored session matches. */
export const CLEAR_BUSY_IF = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])`;

/** KEYS: device conns, device status. ARGV: uuid, status JSON. Stores only while live. */
export const SET_STATUS = `${NOW}
if redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', nowms()), '+inf') == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;
