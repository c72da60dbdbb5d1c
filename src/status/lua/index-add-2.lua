-- Lists a message in the search index of its queue minute (src/status/message-index.ts).
-- KEYS[1]: the minute's list of entries; KEYS[2]: the Bloom filters of its chunks, one string,
-- ARGV[4] bits a chunk, one chunk every ARGV[3] entries. Both carry the hour's hash tag.
-- ARGV: [1] the entry, [2] expire at (Unix ms), [3] entries a chunk, [4] bits a chunk, [5..] the
-- bits the message's tokens set in its chunk's filter (none for a lean record).
-- Returns the list's new length.
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
if n == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
if #ARGV > 4 then
  -- The chunk is the entry's place in the list: entries are only ever appended.
  local base = math.floor((n - 1) / tonumber(ARGV[3])) * tonumber(ARGV[4])
  local ops = {}
  for i = 5, #ARGV do
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'u1'
    ops[#ops + 1] = base + tonumber(ARGV[i])
    ops[#ops + 1] = 1
  end
  redis.call('BITFIELD', KEYS[2], unpack(ops))
  if redis.call('PTTL', KEYS[2]) == -1 then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
end
return n
