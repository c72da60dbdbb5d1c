-- Reads the search index of one hour, minute by minute from the newest one asked for
-- (src/status/message-index.ts).
-- KEYS[1..60]: the entry lists of the hour's minutes 0-59; KEYS[61..120]: their chunks' Bloom
-- filters (one string a minute, ARGV[6] bytes a chunk of ARGV[5] entries).
-- ARGV: [1] the first minute read (0-59), [2] the last (read last, at most the first), then stop
-- after a minute once [3] entries are returned or [4] entries are looked at (their chunk's filter
-- checked), [5] entries a chunk, [6] bytes a chunk, [7..] the bits a chunk's filter must all
-- have (none: every entry is returned).
-- Returns, for each minute read, newest first: the length of its list, then the array of the
-- entries of the chunks whose filter has every bit (a minute whose messages had no tokens, e.g.
-- lean records, has no filter: none).
local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
local returnCap, lookCap = tonumber(ARGV[3]), tonumber(ARGV[4])
local size, bytes = tonumber(ARGV[5]), tonumber(ARGV[6])
local bits = {}
for i = 7, #ARGV do bits[#bits + 1] = tonumber(ARGV[i]) end
local out, returned, looked = {}, 0, 0
for m = first, last, -1 do
  local list = KEYS[m + 1]
  local n, found
  if #bits == 0 then
    found = redis.call('LRANGE', list, 0, -1)
    n = #found
  else
    found = {}
    n = redis.call('LLEN', list)
    local filters = redis.call('GET', KEYS[m + 61])
    if filters then
      for c = 0, math.ceil(n / size) - 1 do
        local at, hit = c * bytes, true
        for _, b in ipairs(bits) do
          -- SETBIT's order: bit 0 is the high bit of the first byte. A chunk's trailing zero
          -- bytes may be missing from the string.
          local byte = string.byte(filters, at + math.floor(b / 8) + 1) or 0
          if bit.band(byte, bit.rshift(128, b % 8)) == 0 then
            hit = false
            break
          end
        end
        if hit then
          for _, entry in ipairs(redis.call('LRANGE', list, c * size, c * size + size - 1)) do
            found[#found + 1] = entry
          end
        end
      end
    end
  end
  out[#out + 1] = n
  out[#out + 1] = found
  returned = returned + #found
  looked = looked + n
  if returned >= returnCap or looked >= lookCap then break end
end
return out
