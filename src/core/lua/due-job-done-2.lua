-- Forgets a job once it is done (queued, delivered, cancelled), unless it was taken again
-- since (its score is no longer the lease end this instance set): that taker forgets it then.
-- KEYS[1]: the shard's sorted set, KEYS[2]: its jobs hash.
-- ARGV: [1] job id, [2] the lease end set when it was taken ('' = whatever it is).
-- Returns 1 when forgotten, 0 otherwise.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and ARGV[2] ~= '' and tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
