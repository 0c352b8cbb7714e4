-- Every kept event of some streams after a position, if none after it was trimmed.
-- KEYS[1] the position counter, KEYS[2] the epoch, KEYS[3..] the streams.
-- ARGV[1] the client's epoch, ARGV[2] its position, ARGV[3] an epoch to set if there is none.
-- Reply: {'ok', epoch, head, entries of KEYS[3], entries of KEYS[4], ...} (XRANGE replies), or
-- {'epoch' | 'position' | 'trimmed', epoch, head}.
redis.call('SET', KEYS[2], ARGV[3], 'NX')
local epoch = redis.call('GET', KEYS[2])
local head = redis.call('GET', KEYS[1]) or '0-0'
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function later(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am > bm or (am == bm and as > bs)
end
if epoch ~= ARGV[1] then return {'epoch', epoch, head} end
if later(ARGV[2], head) then return {'position', epoch, head} end
local reply = {'ok', epoch, head}
for i = 3, #KEYS do
  local entries = {}
  if redis.call('EXISTS', KEYS[i]) == 1 then
    -- Trimming removes the oldest entries only, so what was trimmed is older than the first
    -- entry kept: refuse a position before it once anything was trimmed (a position between the
    -- last entry trimmed and the first kept is refused too: Redis does not say which that was).
    local info = redis.call('XINFO', 'STREAM', KEYS[i])
    local fields = {}
    for j = 1, #info, 2 do fields[info[j]] = info[j + 1] end
    local first = fields['recorded-first-entry-id']
    if tonumber(fields['entries-added']) > tonumber(fields['length']) and first
        and later(first, ARGV[2]) then
      return {'trimmed', epoch, head}
    end
    entries = redis.call('XRANGE', KEYS[i], '(' .. ARGV[2], '+')
  end
  reply[#reply + 1] = entries
end
return reply
