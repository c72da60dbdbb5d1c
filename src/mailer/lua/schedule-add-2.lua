-- Puts a job on the schedule: due time in the sorted set, the job beside it.
-- KEYS[1]: the shard's sorted set (score = when it is taken next, ms), KEYS[2]: its jobs hash.
-- ARGV: [1] message id, [2] due time (ms), [3] the serialized job.
-- Returns 1.
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '\n' .. ARGV[3])
return 1
