-- KEYS: the lease key. ARGV: node id, ttl ms.
-- Extends the lease only while this node holds it; 1 when extended, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
