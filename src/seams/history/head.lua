-- The epoch (set now if there is none) and the last position given out.
-- KEYS[1] the position counter, KEYS[2] the epoch; ARGV[1] an epoch to set if there is none.
-- Reply: {epoch, position ('0-0' before the first)}.
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return {redis.call('GET', KEYS[2]), redis.call('GET', KEYS[1]) or '0-0'}
