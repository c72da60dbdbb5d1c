-- Moves the guard to a new state if nobody moved it since the caller read it (compare-and-set on
-- a version number), so that of several instances deciding the same transition exactly one makes
-- it, and only that one announces it.
--
-- KEYS[1]   guard hash      <prefix>rep:{guard}
--           fields: state, since (Unix ms), reason, resumedBy, handResumedAt (Unix ms), baseline,
--           version
-- ARGV[1]   the version the caller read ("0": it found no hash)
-- ARGV[2]   state
-- ARGV[3]   since (Unix ms)
-- ARGV[4]   reason              ("" removes it)
-- ARGV[5]   resumedBy           ("" removes it)
-- ARGV[6]   handResumedAt       ("" removes it)
-- ARGV[7]   baseline: the counts (JSON) the pause rule takes off after a resume by hand ("" removes it)
--
-- Returns {1, new version} when it was applied, {0, current version} when someone was first.
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then
  return {0, current}
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'since', ARGV[3])
local optional = {reason = ARGV[4], resumedBy = ARGV[5], handResumedAt = ARGV[6], baseline = ARGV[7]}
for field, value in pairs(optional) do
  if value == '' then
    redis.call('HDEL', KEYS[1], field)
  else
    redis.call('HSET', KEYS[1], field, value)
  end
end
return {1, redis.call('HINCRBY', KEYS[1], 'version', 1)}
