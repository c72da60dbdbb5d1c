-- Puts a job on a due-job store (the send schedule, webhook deliveries): due time in the sorted
-- set, the job beside it. Adding a job that is there replaces it (a retry, due later).
-- KEYS[1]: the shard's sorted set (score = when it is taken next, ms), KEYS[2]: its jobs hash.
-- ARGV: [1] job id, [2] due time (ms), [3] the serialized job.
-- Returns 1.
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '\n' .. ARGV[3])
return 1
