-- Adds one event's counts to its minute's bucket and its hour's, in one step (both keys share a
-- hash tag). Each key expires at an absolute time (its retention after the bucket ends), so
-- setting it again on every write is harmless.
-- KEYS[1]: the minute's hash, KEYS[2]: the hour's hash.
-- ARGV: [1] the minute key's expiry, [2] the hour key's (Unix seconds), then field/increment pairs.
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[2], ARGV[2])
return 1
