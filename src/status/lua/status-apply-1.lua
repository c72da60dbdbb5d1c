--@include "record"
-- One atomic step per event: dedupe, status compare-and-set (statuses only move up the ranking:
-- their codes are in rank order), open/click counters, link clicks, the timeline entry and the
-- dedupe marks. An event for a missing (expired) record writes nothing: it must not recreate
-- half a record.
-- KEYS[1]: the record's location.
-- ARGV: [1] field, [2] status code to move to ('' none), [3] dedupe marks (8 characters each),
-- [4] hit counter ('O' opens, 'K' clicks, '' none), [5] source slot (1 ases, 2 ses), [6] class
-- slot (3 human, 4 proxy, 5 scanner, 6 unknown), [7] hit time, [8] clicked URL, [9] entry head,
-- [10] entry recipient, [11] entry tail, [12] timeline length, [13] n, then n field/value pairs
-- set with the status ('' value: removed).
-- Returns {0} missing, {3, status, tags} duplicate, {2, status, tags} status kept (entry and
-- counters recorded), {1, previous status, tags} applied.
local key, field = KEYS[1], ARGV[1]
local r = loadRecord(key, field)
if not r then return {0} end
local before, tags = r.s, r.g or ''
local marks, seen = ARGV[3], r.Z or ''
for i = 1, #marks, 8 do
  local mark = string.sub(marks, i, i + 7)
  for j = 1, #seen, 8 do
    if string.sub(seen, j, j + 7) == mark then return {3, before, tags} end
  end
end
local code = 1
if ARGV[2] ~= '' then
  if tonumber(ARGV[2]) > tonumber(r.s) then
    r.s = ARGV[2]
    local n = tonumber(ARGV[13])
    for i = 14, 13 + 2 * n, 2 do
      if ARGV[i + 1] == '' then r[ARGV[i]] = nil else r[ARGV[i]] = ARGV[i + 1] end
    end
  else
    code = 2
  end
end
if ARGV[4] ~= '' then
  local c = {}
  local i = 1
  for item in string.gmatch((r[ARGV[4]] or '') .. ',', '([^,]*),') do c[i] = item; i = i + 1 end
  for k = 1, 9 do c[k] = c[k] or '' end
  local at = num(ARGV[7])
  local src, cls = tonumber(ARGV[5]), tonumber(ARGV[6])
  c[src] = b36(num(c[src]) + 1)
  c[cls] = b36(num(c[cls]) + 1)
  -- Times: [7] the first hit; [8] the last ('': the same) and [9] the first human one ('': none)
  -- as ms after it. Empty counts and trailing empty times are left out.
  local first, last, human = nil, nil, nil
  if c[7] ~= '' then
    first = num(c[7])
    last = first + num(c[8])
    if c[9] ~= '' then human = first + num(c[9]) end
  end
  if first == nil or at < first then first = at end
  if last == nil or at > last then last = at end
  if cls == 3 and (human == nil or at < human) then human = at end
  c[7], c[8] = b36(first), b36(last - first)
  if human ~= nil then c[9] = b36(human - first) else c[9] = '' end
  for k = 1, 8 do if c[k] == '0' and k ~= 7 then c[k] = '' end end
  local n = 9
  while n > 7 and c[n] == '' do c[n] = nil; n = n - 1 end
  r[ARGV[4]] = table.concat(c, ',')
  local url = ARGV[8]
  if url ~= '' then
    local links, found = {}, false
    for item in string.gmatch(r.N or '', '[^\28]+') do
      local p = {}
      for part in string.gmatch(item .. GS, '([^\29]*)\29') do p[#p + 1] = part end
      if p[1] == url then
        found = true
        p[2] = b36(num(p[2]) + 1)
        if cls == 3 then p[3] = b36(num(p[3]) + 1) end
        if at < num(p[4]) then p[4] = ARGV[7] end
        if at > num(p[5]) then p[5] = ARGV[7] end
        item = table.concat(p, GS)
      end
      links[#links + 1] = item
    end
    if not found then
      local human = '0'
      if cls == 3 then human = '1' end
      links[#links + 1] = table.concat({url, '1', human, ARGV[7], ARGV[7]}, GS)
    end
    r.N = table.concat(links, FS)
  end
end
appendEntry(r, ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12]))
-- The latest 64 marks: repeats come within hours (SNS retries, SQS redeliveries, both
-- notification paths), not after 64 other events of the same message.
if marks ~= '' then r.Z = string.sub(seen .. marks, -8 * 64) end
saveRecord(key, field, r)
return {code, before, tags}
