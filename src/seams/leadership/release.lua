-- KEYS: the lease key. ARGV: node id.
-- Deletes the lease only while this node holds it; 1 when deleted, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
