-- Ends a pause only if it is still the one named (a newer pause for another reason stays).
--
-- KEYS[1]   pause (string: its reason)   <prefix>rate:{budget}:pause
-- ARGV[1]   the reason of the pause to end
--
-- Returns 1 = ended, 0 = no pause, or another one.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
