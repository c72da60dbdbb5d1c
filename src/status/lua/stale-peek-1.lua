-- Reads records for the stale sweep without changing them: only those in the wanted statuses, and
-- only what the sweep needs of them.
-- KEYS[1]: a time bucket hash, or a record's own string key.
-- ARGV[1]: the wanted status codes, e.g. '1' (QUEUED) or '23' (PUSHED, DELAYED); ARGV[2..]: the
-- records' fields in the bucket ('' for a string key).
-- Returns 7 items per record in a wanted status: field, status code, pushed at ('p': ms after
-- the base, base 36), queue time ('q': caller-given ids only), tags ('g'), the time of the
-- latest 'retried' timeline entry (ms after the base, base 36), and the time it is scheduled for
-- ('S', same form); '' for what the record lacks. (Codes are matched as substrings of the wanted
-- ones: CANCELED's '1.5' is never asked for, and a wanted '1' does not match it.)
local key, wanted = KEYS[1], ARGV[1]
local US, FS = '\31', '\28'

local function get(raw, letter)
  return string.match(raw, '^' .. letter .. '([^' .. US .. ']*)')
    or string.match(raw, US .. letter .. '([^' .. US .. ']*)')
end

-- Timeline entries are "<type code><source code><time>" GS ...; a retry by request is 'Q' by 'a'.
local function lastRetried(timeline)
  if not timeline then return '' end
  local found = ''
  for entry in string.gmatch(timeline, '[^' .. FS .. ']+') do
    local at = string.match(entry, '^Qa([^\29]*)')
    if at then found = at end
  end
  return found
end

local out = {}
for i = 2, #ARGV do
  local field = ARGV[i]
  local raw
  if field == '' then raw = redis.call('GET', key) else raw = redis.call('HGET', key, field) end
  if raw then
    local s = get(raw, 's')
    if s and s ~= '' and string.find(wanted, s, 1, true) then
      local e = nil
      if s == '1' then e = get(raw, 'e') end
      out[#out + 1] = field
      out[#out + 1] = s
      out[#out + 1] = get(raw, 'p') or ''
      out[#out + 1] = get(raw, 'q') or ''
      out[#out + 1] = get(raw, 'g') or ''
      out[#out + 1] = lastRetried(e)
      out[#out + 1] = get(raw, 'S') or ''
    end
  end
end
return out
