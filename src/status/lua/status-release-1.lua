--@include "record"
-- Gives the send lease back (only the owner's), and with ARGV[3] = '1' the attempt too: the
-- message was not sent (sending paused, or shutdown).
-- KEYS[1]: the record's location. ARGV: field, owner, refund ('1' or '0').
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return 0 end
if r.L and string.sub(r.L, 1, #ARGV[2] + 1) == ARGV[2] .. GS then r.L = nil end
if ARGV[3] == '1' and r.s == '1' and num(r.a) > 0 then r.a = b36(num(r.a) - 1) end
saveRecord(key, field, r)
return 1
