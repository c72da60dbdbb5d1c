-- Removes everything the list holds about an address: its entry, its soft-bounce counter and its
-- unsubscribes. The index members (<prefix>sup:index) are removed by the repository as its own
-- step after this script.
--
-- KEYS[1]   entry hash            <prefix>sup:{<tag>}
-- KEYS[2]   soft-bounce counter   <prefix>sup:{<tag>}:soft
-- KEYS[3]   unsubscribes hash     <prefix>sup:{<tag>}:unsub
--
-- Returns {the removed entry as HGETALL pairs, the removed unsubscribes as HGETALL pairs}; each
-- empty when there was none.
local entry = redis.call('HGETALL', KEYS[1])
local unsubscribes = redis.call('HGETALL', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {entry, unsubscribes}
