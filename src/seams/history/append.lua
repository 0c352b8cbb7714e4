-- Appends one event to a topic's history and delivers it with its position.
-- KEYS[1] the topic's stream, KEYS[2] the position counter, KEYS[3] the epoch,
-- KEYS[4] the event's dedup key (sha1 of topic and bytes).
-- ARGV[1] the bytes, ARGV[2] the original topic to PUBLISH them on ('' for an event heard there),
-- ARGV[3] the delivery channel, ARGV[4] events kept per stream (MAXLEN ~), ARGV[5] age kept, ms,
-- ARGV[6] stream lifetime after its last event, ms, ARGV[7] dedup key lifetime, ms,
-- ARGV[8] an epoch to set if there is none, ARGV[9] '1': append only if the dedup key is new.
-- Reply: the position, or false when the event was already appended (ARGV[9] = '1').
if ARGV[9] == '1' then
  if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[7]) then return false end
else
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[7])
end
redis.call('SET', KEYS[3], ARGV[8], 'NX')
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = 0
local last = redis.call('GET', KEYS[2])
if last then
  local lms, lseq = string.match(last, '^(%d+)-(%d+)$')
  if lms and tonumber(lms) >= ms then
    ms = tonumber(lms)
    seq = tonumber(lseq) + 1
  end
end
local id = string.format('%.0f-%.0f', ms, seq)
redis.call('SET', KEYS[2], id)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], id, 'p', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', ms - tonumber(ARGV[5])))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PUBLISH', ARGV[3], string.char(#id) .. id .. ARGV[1])
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[1]) end
return id
