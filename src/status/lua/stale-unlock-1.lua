-- Gives up the stale sweep's lock, only when this sweep still holds it (it may have expired and
-- been taken by another instance).
-- KEYS[1]: the lock. ARGV[1]: the owner that took it.
-- Returns 1 when it was released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
