-- Records a new message unless one with its id exists; then hands that one back.
-- KEYS[1]: the record's location (time bucket hash, or string key of its own).
-- ARGV: field ('' for a string key), record, expire at (Unix ms).
-- Returns {1} when created, {0, existing record} when the id was taken.
local key, field = KEYS[1], ARGV[1]
if field ~= '' then
  if redis.call('HSETNX', key, field, ARGV[2]) == 0 then
    return {0, redis.call('HGET', key, field)}
  end
  redis.call('PEXPIREAT', key, ARGV[3])
  return {1}
end
if not redis.call('SET', key, ARGV[2], 'NX', 'PXAT', ARGV[3]) then
  return {0, redis.call('GET', key)}
end
return {1}
