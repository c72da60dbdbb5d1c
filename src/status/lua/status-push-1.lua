--@include "record"
-- QUEUED -> PUSHED: records the SES id and the push time, ends the send lease. Every recipient
-- still QUEUED is PUSHED too (one suppressed before the send stays SUPPRESSED). Nothing else
-- becomes PUSHED: a CANCELED message in particular is never sent.
-- KEYS[1]: the record's location. ARGV: field, SES id (packed), pushed at (ms after queued,
-- base 36), timeline entry head ('' for none), entry tail, timeline length.
-- Returns {0} missing, {2, status} not QUEUED, {1, '1', tags} pushed.
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return {0} end
if r.s ~= QUEUED then return {2, r.s} end
r.s, r.m, r.p, r.L = '2', ARGV[2], ARGV[3], nil
local list = loadRecipients(r)
if list then
  for _, recipient in ipairs(list) do raiseRecipient(recipient, '2', ARGV[3], '') end
  saveRecipients(r, list)
end
appendEntry(r, ARGV[4], '', ARGV[5], tonumber(ARGV[6]))
saveRecord(key, field, r)
return {1, '1', r.g or ''}
