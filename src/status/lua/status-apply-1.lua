--@include "record"
-- One atomic step per event: dedupe, status compare-and-set (statuses only move up the ranking:
-- their codes are in rank order; a CANCELED message moves no more), per-recipient statuses,
-- open/click counters, link clicks, the timeline entry and the dedupe marks. An event for a
-- missing (expired) record writes nothing: it must not recreate half a record.
-- A record with several recipients keeps each one's status. An event about one of them (ARGV[13])
-- moves that one, and the message takes the highest of its recipients' statuses (see
-- statusOfRecipients); an event about the whole message (ARGV[13] = '') moves every recipient
-- that ranks lower, and the message as ever. A record with one recipient is that recipient.
-- KEYS[1]: the record's location.
-- ARGV: [1] field, [2] status code to move to ('' none), [3] dedupe marks (8 characters each),
-- [4] hit counter ('O' opens, 'K' clicks, '' none), [5] source slot (1 ases, 2 ses), [6] class
-- slot (3 human, 4 proxy, 5 scanner, 6 unknown), [7] hit time, [8] clicked URL, [9] entry head,
-- [10] entry recipient, [11] entry tail, [12] timeline length, [13] the recipient it is about
-- ('' the whole message), [14] the status's time (ms after the base, base 36), [15] the
-- recipient's details of that status (parts GS-joined), [16] n, then n field/value pairs set
-- with the message's status ('' value: removed).
-- Returns {0} missing, {3, status, tags} duplicate, {4, status, tags} not one of the record's
-- recipients (nothing written), {2, status, tags, status, '0'} status kept (entry and counters
-- recorded), {1, previous status, tags, status, recipient moved '1'/'0'} applied; both end with
-- the stored SES id ('' before the push) and the category ('' transactional), which the events
-- carry.
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
local target, about = ARGV[2], ARGV[13]
local list = loadRecipients(r)
local one = nil
if about ~= '' and list then
  local wanted = string.lower(bare(about))
  for _, recipient in ipairs(list) do
    if string.lower(bare(recipient.parts[1])) == wanted then one = recipient; break end
  end
  if not one then return {4, before, tags} end
end
local code, moved = 1, '0'
if target ~= '' then
  local after = r.s
  if r.s == CANCELED then
    code = 2
  elseif one then
    if raiseRecipient(one, target, ARGV[14], ARGV[15]) then
      moved = '1'
      after = statusOfRecipients(list, r.s)
      -- The message takes this very change (and its details): the recipient points at them.
      if after ~= r.s and after == target and ARGV[15] ~= '' then one.parts[4] = SAME end
    else
      code = 2
    end
  else
    local detail = ARGV[15]
    if rank(target) > rank(r.s) then
      after, moved = target, '1'
      if detail ~= '' then detail = SAME end
    else
      code = 2
    end
    if list then
      for _, recipient in ipairs(list) do raiseRecipient(recipient, target, ARGV[14], detail) end
    end
  end
  if list then saveRecipients(r, list) end
  if after ~= r.s then
    r.s = after
    -- The fields describe the target status: set only when the message took that one.
    if after == target then
      local n = tonumber(ARGV[16])
      for i = 17, 16 + 2 * n, 2 do
        if ARGV[i + 1] == '' then r[ARGV[i]] = nil else r[ARGV[i]] = ARGV[i + 1] end
      end
    end
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
return {code, before, tags, r.s, moved, r.m or '', r.G or ''}
