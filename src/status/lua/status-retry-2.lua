--@include "record"
-- FAILED -> QUEUED for a retry by hand: only with the kept job, which it hands back (and forgets).
-- Recipients FAILED with it are QUEUED again (a suppressed one stays SUPPRESSED).
-- KEYS: the record's location, the kept job. ARGV: field, entry head, entry tail, timeline length.
-- Returns {0} missing, {2, status} not FAILED, {3} no job, {1, job, failed at, error, tags}.
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return {0} end
if r.s ~= FAILED then return {2, r.s} end
local job = redis.call('GET', KEYS[2])
if not job then return {3} end
local failedAt, err = r.x or '', r.E or ''
r.s, r.a, r.x, r.E = QUEUED, '0', nil, nil
local list = loadRecipients(r)
if list then
  for _, recipient in ipairs(list) do
    if recipient.parts[2] == FAILED then recipient.parts = {recipient.parts[1], QUEUED} end
  end
  saveRecipients(r, list)
end
appendEntry(r, ARGV[2], '', ARGV[3], tonumber(ARGV[4]))
saveRecord(key, field, r)
redis.call('DEL', KEYS[2])
return {1, job, failedAt, err, r.g or ''}
