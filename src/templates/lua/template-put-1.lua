-- Stores a template, replacing the one of the same name whole, so that no part of the old one (an
-- html the new one leaves out) survives. The global index (<prefix>tpl:index) is not touched here:
-- it lives in another slot, and the repository adds the name to it as its own step after this.
--
-- KEYS[1]   template hash   <prefix>tpl:{<name>}
-- ARGV[1..] the template's fields: name, value, name, value...
--
-- Returns 1 when the template is new, 0 when it replaced one.
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1 - existed
