--@include "record"
-- QUEUED -> CANCELED by request: only while no one holds the send lease (a receive sending it
-- right now would race the cancel). Every QUEUED recipient is CANCELED too. Final: the claim
-- finds nothing to send, the push and every other status change leave it alone.
-- KEYS[1]: the record's location. ARGV: field, cancelled at (ms after the base, base 36),
-- timeline entry head ('' for none), entry tail, timeline length.
-- Returns {0} missing, {2, status} not QUEUED, {3, ms left} being sent, {1, '1', tags} cancelled.
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return {0} end
if r.s ~= QUEUED then return {2, r.s} end
if r.L then
  local sep = string.find(r.L, GS, 1, true)
  local untilMs = num(string.sub(r.L, sep + 1))
  local now = nowMs()
  if untilMs > now then return {3, tostring(untilMs - now)} end
end
r.s, r.n, r.L = CANCELED, ARGV[2], nil
local list = loadRecipients(r)
if list then
  for _, recipient in ipairs(list) do raiseRecipient(recipient, CANCELED, ARGV[2], '') end
  saveRecipients(r, list)
end
appendEntry(r, ARGV[3], '', ARGV[4], tonumber(ARGV[5]))
saveRecord(key, field, r)
return {1, QUEUED, r.g or ''}
