"""The Lua scripts the session store runs in Redis: each is one round trip, and atomic.

What a managed Redis does to them was tried, not assumed: under `noeviction` at its memory limit, and on a replica
after a failover, a write inside a script fails (OOM, READONLY), so the read script counts its rates inside pcall:
a Redis that can still read still answers with the opt-out it holds. Opt-outs and call-back requests are kept
without a Redis TTL (a `volatile-*` policy never evicts such a key) and listed in an expiry index instead, which
the hotline sweeps itself (SWEEP).
"""

# KEYS: conversation, language, opt-out, this number's rate, everyone's rate, the day's counts, the mark an ERASE
#       left on this very message if it was answered before it (keyed by the message's id alone, not the number),
#       the number's opt-out on its other way of texting (SMS or WhatsApp: an ERASE keeps one that Twilio keeps).
# ARGV: retry field ('' for none), limit (1 or 0), per number, per minute, rate window, counts' ttl, then the
#       counters to add to when the request is over a limit.
# Returns {replayed, conversation, language, opt-out, limited, other opt-out}: replayed is 1 when the conversation holds the retry
# field (its reply is given again), 2 when the message was answered before an ERASE (nothing is answered or
# restored). A number that opted out meanwhile gets no replay: its retry is read as a new text, and goes unanswered.
READ = """
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[7], KEYS[8])
if ARGV[1] ~= '' then
  if found[4] then
    return {2, false, false, found[3], 0, found[5]}
  end
  if not found[3] and found[1] and string.find(found[1], ARGV[1], 1, true) then
    return {1, found[1], found[2], found[3], 0, found[5]}
  end
end
local limited = 0
if ARGV[2] == '1' then
  local counted, mine = pcall(redis.call, 'INCR', KEYS[4])
  if counted then
    if mine == 1 then pcall(redis.call, 'EXPIRE', KEYS[4], ARGV[5]) end
    if mine > tonumber(ARGV[3]) then
      limited = 1
    else
      local also, everyone = pcall(redis.call, 'INCR', KEYS[5])
      if also then
        if everyone == 1 then pcall(redis.call, 'EXPIRE', KEYS[5], ARGV[5]) end
        if everyone > tonumber(ARGV[4]) then limited = 2 end
      end
    end
  end
  if limited > 0 and #ARGV >= 7 then
    local ok, first = pcall(redis.call, 'HINCRBY', KEYS[6], ARGV[7], 1)
    for i = 8, #ARGV do pcall(redis.call, 'HINCRBY', KEYS[6], ARGV[i], 1) end
    if ok and first == 1 then pcall(redis.call, 'EXPIRE', KEYS[6], ARGV[6]) end
  end
end
return {0, found[1], found[2], found[3], limited, found[5]}
"""

# The same read, counting nothing, flagged as a script that writes nothing: Redis runs it even when its memory is
# full under noeviction (it refuses every other script then, before the first line) and on a replica.
# KEYS and ARGV as READ's (the rate and count keys unused); returns as READ, never limited.
READ_ONLY = """#!lua flags=no-writes
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[7], KEYS[8])
if ARGV[1] ~= '' then
  if found[4] then return {2, false, false, found[3], 0, found[5]} end
  if not found[3] and found[1] and string.find(found[1], ARGV[1], 1, true) then
    return {1, found[1], found[2], found[3], 0, found[5]}
  end
end
return {0, found[1], found[2], found[3], 0, found[5]}
"""

# KEYS: conversation, language, the day's counts, the expiry index, the request's once-mark, then the keys to set,
#       then the keys to delete.
# ARGV: compare (1 or 0), the conversation and language read ('' for none), keys to set, keys to delete, counts'
#       ttl, counters, the once-mark's ttl (0: none), then (value, ttl) for each key to set (a ttl below 0: kept
#       with no TTL, expiring -ttl seconds from now by the index), then the counters to add one to.
# Returns ok, conflict (another request wrote first: read and step again), erased (deleted in between: nothing
# written but the counts) or duplicate (the same request was written already: nothing written, nothing counted).
WRITE = """
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
if result == 'ok' and tonumber(ARGV[8]) > 0 then
  if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[8]) then return 'duplicate' end
end
local sets, dels, counters = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[7])
if result == 'ok' then
  local now = nil   -- the clock, read only for a key the index keeps
  for i = 1, sets do
    local key, value, ttl = KEYS[5 + i], ARGV[7 + 2 * i], tonumber(ARGV[8 + 2 * i])
    if ttl < 0 then
      now = now or tonumber(redis.call('TIME')[1])
      redis.call('SET', key, value)
      redis.call('ZADD', KEYS[4], now - ttl, key)
    else
      redis.call('SET', key, value, 'EX', ttl)
    end
  end
  for i = 1, dels do
    redis.call('DEL', KEYS[5 + sets + i])
    redis.call('ZREM', KEYS[4], KEYS[5 + sets + i])
  end
end
if counters > 0 then
  local first = redis.call('HINCRBY', KEYS[3], ARGV[9 + 2 * sets], 1)
  for i = 2, counters do redis.call('HINCRBY', KEYS[3], ARGV[8 + 2 * sets + i], 1) end
  if first == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end   -- a day's first count made the key
end
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
