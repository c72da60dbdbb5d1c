-- Takes the jobs due before a horizon, leasing each: its score moves to the lease's end, so that
-- no other instance takes it meanwhile, and an instance that dies before finishing it leaves it
-- to be taken again when the lease ends.
-- KEYS[1]: the shard's sorted set, KEYS[2]: its jobs hash.
-- ARGV: [1] horizon (ms: take what is due before it), [2] lease end (ms), [3] most to take.
-- Returns {id, "<due>\n<job>", ...}; an id whose job is gone is dropped from the set.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local job = redis.call('HGET', KEYS[2], id)
  if job then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = job
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
