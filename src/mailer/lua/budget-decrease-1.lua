-- Records a rate decrease unless another instance recorded one within the cooldown.
--
-- KEYS[1]   rate state hash {floor, decreasedAt}   <prefix>rate:{budget}:state
-- ARGV[1]   floor (sends per second)
-- ARGV[2]   decreasedAt, ms
-- ARGV[3]   cooldown, ms
-- ARGV[4]   TTL of the state, s
--
-- Returns 1 = recorded, 0 = another decrease within the cooldown.
local last = tonumber(redis.call('HGET', KEYS[1], 'decreasedAt') or '0')
if tonumber(ARGV[2]) - last < tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'floor', ARGV[1], 'decreasedAt', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
