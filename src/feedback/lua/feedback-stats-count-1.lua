-- Bumps counters of one feedback source in one step, so a reader never sees an outcome counted
-- without its event type, and optionally moves the source's last-event time.
--
-- KEYS[1]   the source's stats hash   <prefix>stats:feedback:<source>
-- ARGV[1]   last-event time (ISO 8601), or '' to leave it
-- ARGV[2..] the fields to add 1 to (a field named twice gets 2)
--
-- Returns the number of counters bumped.
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'lastEventAt', ARGV[1]) end
for i = 2, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
return #ARGV - 1
