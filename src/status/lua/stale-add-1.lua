-- Adds stale messages to a stale listing, each once (the time it was first found stale is kept),
-- and keeps the listing to its cap, dropping the oldest.
-- KEYS[1]: the listing (a sorted set: member the message id, score when it turned stale, ms).
-- ARGV[1]: the cap; ARGV[2..]: score, id pairs.
-- Returns the ids that were not listed before.
local key, cap = KEYS[1], tonumber(ARGV[1])
local added = {}
for i = 2, #ARGV - 1, 2 do
  if redis.call('ZADD', key, 'NX', ARGV[i], ARGV[i + 1]) == 1 then
    added[#added + 1] = ARGV[i + 1]
  end
end
local extra = redis.call('ZCARD', key) - cap
if extra > 0 then redis.call('ZREMRANGEBYRANK', key, 0, extra - 1) end
return added
