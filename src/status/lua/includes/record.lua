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

-- Appends a timeline entry, keeping the latest `max`. A recipient spelled exactly as the record's
-- own address (`t` without its display name) is stored as '='.
local function appendEntry(r, head, recipient, tail, max)
  if head == '' then return end
  if recipient ~= '' and r.t then
    local own = string.match(r.t, '<([^>]*)>') or r.t
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
