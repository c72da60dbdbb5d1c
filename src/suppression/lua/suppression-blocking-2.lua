-- Whether an address may be sent mail of one category: read-only, one call per address so that
-- the addresses of a message can sit in different cluster slots.
--
-- KEYS[1]   entry hash            <prefix>sup:{<tag>}
-- KEYS[2]   unsubscribes hash     <prefix>sup:{<tag>}:unsub  (field = category)
-- ARGV[1]   category
--
-- Returns {1, the entry as HGETALL pairs} when the address is suppressed for all mail,
-- {2, the stored unsubscribe value} when it unsubscribed from the category, {0} otherwise.
local entry = redis.call('HGETALL', KEYS[1])
if #entry > 0 then
  return {1, entry}
end
local value = redis.call('HGET', KEYS[2], ARGV[1])
if value then
  return {2, value}
end
return {0}
