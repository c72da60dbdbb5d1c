-- Counts a soft bounce of an address within a sliding window; when the count is reached, stores
-- the entry in the same step and clears the counter. Nothing is counted for an address already
-- suppressed. ZADD NX: a bounce notification delivered twice (SQS is at-least-once) counts once.
-- The counter expires one window after the last bounce counted. The global index
-- (<prefix>sup:index) is written by the repository as its own step after this script.
--
-- KEYS[1]   entry hash            <prefix>sup:{<tag>}
-- KEYS[2]   soft-bounce counter   <prefix>sup:{<tag>}:soft  (sorted set: score = bounce time ms,
--                                                            member = bounce id)
-- ARGV[1]   bounce time, ms
-- ARGV[2]   bounce id (the message id)
-- ARGV[3]   exclusive start of the window, '(<ms>'
-- ARGV[4]   window, ms (the counter's TTL)
-- ARGV[5]   number of bounces that suppresses
-- ARGV[6..] the fields of the entry to store: name, value, name, value...
--
-- Returns {code, count}; code 0 = already suppressed, 1 = counted, 2 = suppressed now.
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local count = redis.call('ZCARD', KEYS[2])
if count < tonumber(ARGV[5]) then
  if count > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  return {1, count}
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
return {2, count}
