-- Removes an address's unsubscribe from one category (the hash goes when its last field does).
-- The index member (<prefix>sup:index) is removed by the repository as its own step after this
-- script.
--
-- KEYS[1]   unsubscribes hash     <prefix>sup:{<tag>}:unsub  (field = category)
-- ARGV[1]   category
--
-- Returns the removed value, or nil when the address had not unsubscribed from the category.
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return value
