--@include "record"
-- Takes the send lease of a QUEUED message and counts the attempt (any other status, CANCELED
-- included, is done with). A live lease of another owner
-- means another receive of the same job is sending it right now: leave it alone.
-- KEYS[1]: the record's location. ARGV: field, owner, lease ms.
-- Returns {0} missing, {2, status} not QUEUED, {3, ms left} busy, {1, attempts, tags} claimed.
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return {0} end
if r.s ~= QUEUED then return {2, r.s} end
local now = nowMs()
if r.L then
  local sep = string.find(r.L, GS, 1, true)
  local untilMs = num(string.sub(r.L, sep + 1))
  if untilMs > now then return {3, tostring(untilMs - now)} end
end
r.L = ARGV[2] .. GS .. b36(now + tonumber(ARGV[3]))
local attempts = num(r.a) + 1
r.a = b36(attempts)
saveRecord(key, field, r)
return {1, tostring(attempts), r.g or ''}
