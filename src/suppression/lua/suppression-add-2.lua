-- Stores a suppression entry unless one is there already; then keeps it as it is (its `since`
-- with it), or replaces it whole when overwrite is asked for, so no field of the old one (a
-- messageId) survives. Writing clears the address's soft-bounce counter. The global index
-- (<prefix>sup:index) is not touched here: it lives in another slot, and the repository adds the
-- key to it as its own step after this script.
--
-- KEYS[1]   entry hash            <prefix>sup:{<tag>}
-- KEYS[2]   soft-bounce counter   <prefix>sup:{<tag>}:soft
-- ARGV[1]   overwrite: '1' replaces an existing entry, '0' keeps it
-- ARGV[2..] the entry's fields: name, value, name, value...
--
-- Returns {code, the entry now stored as HGETALL pairs}; code 1 = created, 0 = was there already.
local existed = redis.call('EXISTS', KEYS[1]) == 1
if not existed or ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
end
return {existed and 0 or 1, redis.call('HGETALL', KEYS[1])}
