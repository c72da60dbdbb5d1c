-- Removes a suppression entry and its soft-bounce counter. The key's member of the global index
-- (<prefix>sup:index) is removed by the repository as its own step after this script.
--
-- KEYS[1]   entry hash            <prefix>sup:{<tag>}
-- KEYS[2]   soft-bounce counter   <prefix>sup:{<tag>}:soft
--
-- Returns the removed entry as HGETALL pairs; empty when there was none.
local entry = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
return entry
