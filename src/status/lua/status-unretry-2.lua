--@include "record"
-- Undoes a retry when the queue did not take the job: FAILED again, as it was (its QUEUED
-- recipients too), job kept.
-- KEYS: the record's location, the kept job. ARGV: field, job, failed at, error, job ttl (s).
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r or r.s ~= QUEUED then return 0 end
r.s = FAILED
local list = loadRecipients(r)
if list then
  for _, recipient in ipairs(list) do
    if recipient.parts[2] == QUEUED then
      recipient.parts = {recipient.parts[1], FAILED, ARGV[3], SAME}
    end
  end
  saveRecipients(r, list)
end
if ARGV[3] ~= '' then r.x = ARGV[3] end
if ARGV[4] ~= '' then r.E = ARGV[4] end
saveRecord(key, field, r)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
return 1
