-- Reserves the next free send slot of the fleet's shared budget: a GCRA without burst on Redis's
-- own clock, so every instance shares one schedule. Each send takes the next free slot (never one
-- in the past, so an idle spell earns no burst) and pushes it one interval per recipient further.
-- A slot more than the horizon ahead is refused, so that no instance holds a message long past a
-- rate decrease. A fleet-wide pause wins over everything.
--
-- KEYS[1]   next free slot, µs on Redis's clock   <prefix>rate:{budget}:slot
-- KEYS[2]   pause (string: its reason, PX = its end)   <prefix>rate:{budget}:pause
-- ARGV[1]   interval between two sends, µs
-- ARGV[2]   recipients (sends) to reserve
-- ARGV[3]   horizon, µs
--
-- Returns {code, value, reason}:
--   code 1 = go: value = µs to wait before sending
--   code 2 = paused: value = ms the pause has left, reason = the pause's reason
--   code 3 = full: value = ms after which to try again
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {2, paused, redis.call('GET', KEYS[2]) or ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local ahead = start - now
local horizon = tonumber(ARGV[3])
if ahead > horizon then return {3, math.ceil((ahead - horizon) / 1000), ''} end
local nextFree = start + tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', nextFree), 'PX', math.ceil((nextFree - now) / 1000) + 60000)
return {1, math.floor(ahead), ''}
