"""The Lua scripts the session store runs in Redis: each is one round trip, and atomic.

A webhook's read is not a script but one MGET (hotline.sessions), which a managed Redis still answers when its memory
is full under `noeviction` and on a replica after a failover, where a script's writes are refused: an opt-out Redis
still holds is always read. The rates are counted in the write script, with the rest: a Redis that refuses writes
stores nothing and counts nothing. Opt-outs and call-back requests are kept without a Redis TTL (a
`volatile-*` policy never evicts such a key) and listed in an expiry index instead, which the hotline sweeps itself
(SWEEP).
"""

# KEYS: conversation, language, the day's counts, the expiry index, the request's once-mark, this number's rate, the
#       hotline's rate (its ceiling), then the keys to set, then the keys to delete.
# ARGV: compare (1 or 0), the conversation and language read ('' for none), keys to set, keys to delete, counts'
#       ttl, counters, the once-mark's ttl (0: none), the number's limit a minute (0: not counted, as commands are
#       not), the hotline's, the rate counts' ttl, counters over a limit, then (value, ttl) for each key to set (a ttl
#       below 0: kept with no TTL, expiring -ttl seconds from now by the index), then the counters to add one to,
#       then those to add one to instead when the request is over a limit.
# Returns ok, conflict (another request wrote first: read and step again), erased (deleted in between: nothing
# written but the counts), limited (over the number's limit, or the hotline's ceiling: nothing written, counted as
# such) or duplicate (the same request was written already: nothing written, nothing counted).
# A number over its own limit is not counted against the ceiling: one number's flood cannot silence everyone.
WRITE = """
local function count(from, counters)
  if counters == 0 then return end
  local first = redis.call('HINCRBY', KEYS[3], ARGV[from], 1)
  for i = from + 1, from + counters - 1 do redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
  if first == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end   -- a day's first count made the key
end
local result = 'ok'
if ARGV[1] == '1' then
  local found = redis.call('MGET', KEYS[1], KEYS[2])
  local session, lang = found[1] or '', found[2] or ''
  if session ~= ARGV[2] or lang ~= ARGV[3] then
    if (ARGV[2] ~= '' and session == '') or (ARGV[3] ~= '' and lang == '') then
      result = 'erased'
    else
      return 'conflict'
    end
  end
end
local sets, dels, counters = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[7])
local limit = tonumber(ARGV[9])
if limit > 0 then
  local mine, over = redis.call('INCR', KEYS[6]), true
  if mine == 1 then redis.call('EXPIRE', KEYS[6], ARGV[11]) end
  if mine <= limit then
    local everyone = redis.call('INCR', KEYS[7])
    if everyone == 1 then redis.call('EXPIRE', KEYS[7], ARGV[11]) end
    over = everyone > tonumber(ARGV[10])
  end
  if over then
    count(13 + 2 * sets + counters, tonumber(ARGV[12]))
    return 'limited'
  end
end
if result == 'ok' and tonumber(ARGV[8]) > 0 then
  if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[8]) then return 'duplicate' end
end
if result == 'ok' then
  local now = nil   -- the clock, read only for a key the index keeps
  for i = 1, sets do
    local key, value, ttl = KEYS[7 + i], ARGV[11 + 2 * i], tonumber(ARGV[12 + 2 * i])
    if ttl < 0 then
      now = now or tonumber(redis.call('TIME')[1])
      redis.call('SET', key, value)
      redis.call('ZADD', KEYS[4], now - ttl, key)
    else
      redis.call('SET', key, value, 'EX', ttl)
    end
  end
  for i = 1, dels do
    redis.call('DEL', KEYS[7 + sets + i])
    redis.call('ZREM', KEYS[4], KEYS[7 + sets + i])
  end
end
count(13 + 2 * sets, counters)
return result
"""

# KEYS: pairs of (a key under the previous secret's hash, the same key under the current one), then the expiry
# index. A key kept under the previous hash moves to the current one, its TTL or its place in the index with it,
# unless the current one already has it.
MIGRATE = """
local index = KEYS[#KEYS]
for i = 1, #KEYS - 1, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('EXISTS', KEYS[i + 1]) == 0 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    local due = redis.call('ZSCORE', index, KEYS[i])
    if due then
      redis.call('ZREM', index, KEYS[i])
      redis.call('ZADD', index, due, KEYS[i + 1])
    end
  end
end
return 1
"""

# KEYS: a mark of what is counted, the day's counts. ARGV: the mark's ttl, the counts' ttl, then the counters.
# Counted once however often Twilio posts it.
COUNT_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local first = redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
if first == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return 1
"""

# KEYS: the expiry index. ARGV: now (seconds), at most how many. Deletes what is due; how many it deleted.
SWEEP = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, key in ipairs(due) do
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], key)
end
return #due
"""
