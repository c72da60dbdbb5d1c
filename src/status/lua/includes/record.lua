-- A message record is one string: fields "<letter><value>" joined by \31 (US); inside a field,
-- parts are joined by \29 (GS) and list items by \28 (FS). See src/status/record-codec.ts.
-- It lives either in a field of a time bucket hash (FIELD ~= '') or in a string key of its own.
local US, GS, FS = '\31', '\29', '\28'

local function loadRecord(key, field)
  local raw
  if field ~= '' then raw = redis.call('HGET', key, field) else raw = redis.call('GET', key) end
  if not raw then return nil end
  local r = {}
  for part in string.gmatch(raw, '[^\31]+') do r[string.sub(part, 1, 1)] = string.sub(part, 2) end
  return r
end

local function saveRecord(key, field, r)
  local parts = {}
  for k, v in pairs(r) do parts[#parts + 1] = k .. v end
  table.sort(parts)
  local raw = table.concat(parts, US)
  if field ~= '' then redis.call('HSET', key, field, raw) else redis.call('SET', key, raw, 'KEEPTTL') end
end

local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'
local b36
function b36(n)
  n = math.floor(n)
  if n < 0 then return '-' .. b36(-n) end
  if n == 0 then return '0' end
  local s = ''
  while n > 0 do
    local d = n % 36
    s = string.sub(DIGITS, d + 1, d + 1) .. s
    n = (n - d) / 36
  end
  return s
end

local function num(s)
  if s == nil or s == '' then return 0 end
  if string.sub(s, 1, 1) == '-' then return -(tonumber(string.sub(s, 2), 36) or 0) end
  return tonumber(s, 36) or 0
end

-- Redis's own clock, in ms.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Status codes are in rank order and compared as numbers. CANCELED ('1.5', between QUEUED and
-- PUSHED) came later, hence its code; it is final: nothing moves a cancelled message on.
local QUEUED, FAILED, CANCELED = '1', '4', '1.5'

local function rank(code)
  return tonumber(code or '') or 0
end

-- The bare address of a mailbox ('Name <addr>' or 'addr'), as record-codec.ts's bareAddress.
local function bare(mailbox)
  return string.match(mailbox, '<([^<>]*)>%s*$') or mailbox
end

-- The recipient lists (record-codec.ts, RECIPIENT_LETTERS): to 't', cc 'r', bcc 'h', items FS-
-- separated. A message with several recipients keeps each as its mailbox GS its status code GS
-- the time it reached it GS the parts of that status's details (or '=': the message's own).
local RECIPIENT_LETTERS = {'t', 'r', 'h'}

-- The recipients of a record that keeps each one's state, in order, as {letter, parts}; nil for
-- a record with one recipient (the message is the recipient) or none (lean records).
local function loadRecipients(r)
  local list = {}
  for _, letter in ipairs(RECIPIENT_LETTERS) do
    local value = r[letter]
    if value and value ~= '' then
      for item in string.gmatch(value, '[^\28]+') do
        local parts = {}
        for part in string.gmatch(item .. GS, '([^\29]*)\29') do parts[#parts + 1] = part end
        list[#list + 1] = {letter = letter, parts = parts}
      end
    end
  end
  if #list < 2 then return nil end
  return list
end

local function saveRecipients(r, list)
  local items = {t = {}, r = {}, h = {}}
  for _, recipient in ipairs(list) do
    local parts = recipient.parts
    local n = #parts
    while n > 2 and parts[n] == '' do parts[n] = nil; n = n - 1 end
    local bucket = items[recipient.letter]
    bucket[#bucket + 1] = table.concat(parts, GS)
  end
  for letter, bucket in pairs(items) do
    if #bucket > 0 then r[letter] = table.concat(bucket, FS) end
  end
end

-- A recipient's details that are the message's own (`B C Y E`), from the same change: '='.
local SAME = '='

-- Moves one recipient up to `code`, reached at `time`, with `detail` (its parts GS-joined, ''
-- for none, SAME), when the ranking allows it. Returns whether it moved.
local function raiseRecipient(recipient, code, time, detail)
  local parts = recipient.parts
  local current = parts[2] or QUEUED
  if current == CANCELED or rank(code) <= rank(current) then return false end
  local moved = {parts[1], code, time}
  if detail ~= '' then moved[4] = detail end
  recipient.parts = moved
  return true
end

-- Statuses of recipients ases itself kept from being sent (suppressed, failed, cancelled).
local HELD = {[FAILED] = true, ['5'] = true, [CANCELED] = true}

-- The message's status after one recipient's changed: the highest of its recipients', counting
-- those held back only when no recipient was sent; unchanged while one is still QUEUED (it is
-- still to be sent); never lower than `current`.
local function statusOfRecipients(list, current)
  local best, sent = nil, nil
  for _, recipient in ipairs(list) do
    local code = recipient.parts[2] or QUEUED
    if code == QUEUED then return current end
    if best == nil or rank(code) > rank(best) then best = code end
    if not HELD[code] and (sent == nil or rank(code) > rank(sent)) then sent = code end
  end
  local status = sent or best
  if status ~= nil and rank(status) > rank(current) then return status end
  return current
end

-- Appends a timeline entry, keeping the latest `max`. A recipient spelled exactly as the record's
-- own address (its first `t` mailbox without its display name) is stored as '='.
local function appendEntry(r, head, recipient, tail, max)
  if head == '' then return end
  if recipient ~= '' and r.t then
    local own = bare(string.match(r.t, '^[^\28\29]*'))
    if own == recipient then recipient = '=' end
  end
  local entry = head .. GS .. recipient .. tail
  local list = r.e
  if list == nil or list == '' then list = entry else list = list .. FS .. entry end
  local count = 1
  for _ in string.gmatch(list, FS) do count = count + 1 end
  while count > max do
    list = string.sub(list, string.find(list, FS, 1, true) + 1)
    count = count - 1
  end
  r.e = list
end
