-- Records a sample of the gauges: the queue depth (the hour keeps its highest) and the send rate
-- in force (both keep the last). Any instance may sample; the last write of a minute stands.
-- KEYS[1]: the minute's hash, KEYS[2]: the hour's hash.
-- ARGV: [1] the minute key's expiry, [2] the hour key's (Unix seconds), [3] queue-depth field,
-- [4] depth ('' not read), [5] rate field, [6] rate ('' not known).
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
  local high = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '-1')
  if tonumber(ARGV[4]) > high then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[2], ARGV[2])
return 1
