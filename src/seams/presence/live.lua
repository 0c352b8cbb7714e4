-- KEYS: conns. Returns the number of live entries.
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', nowms()), '+inf')
