-- Records that an address unsubscribed from one category, unless it had already: then keeps that
-- record (its `since` with it), or replaces it when overwrite is asked for. The index member
-- (<prefix>sup:index) is added by the repository as its own step after this script.
--
-- KEYS[1]   unsubscribes hash     <prefix>sup:{<tag>}:unsub  (field = category)
-- ARGV[1]   category
-- ARGV[2]   the value to store (see unsubscribe-field.ts)
-- ARGV[3]   overwrite: '1' replaces an existing value, '0' keeps it
--
-- Returns {code, the value now stored}; code 1 = created, 0 = was there already.
local existed = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not existed or ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return {existed and 0 or 1, redis.call('HGET', KEYS[1], ARGV[1])}
