"""Lua scripts that make multi-key writes atomic. Shared by the async gateway and sync workers.

Every event stream is capped by the one EVENTS_MAXLEN, passed in as an argument, so no script
carries a limit of its own.
"""

# A stream holds at most about this many events (trimmed approximately, oldest first). Large
# enough for a long job's metrics and logs; a watcher that resumes from a trimmed id is told so.
EVENTS_MAXLEN = 100_000

# Create a record idempotently: if the idempotency key exists, return what it points to;
# otherwise write the hash, index it, and optionally append its first events, mark it active and
# enqueue it, all in one step so a crash never leaves half a record.
#
# KEYS: idem (or ""), record hash, index zset, events stream (or ""), active set (or ""),
#       queue list (or "")
# ARGV: id, fingerprint, score, idem_ttl_s, member (tenant/id), events maxlen,
#       events json [[kind, data_json], ...], field/value...
# Returns {1, id} when created, {0, id, fingerprint} when the request_id was seen before.
CREATE = """
if KEYS[1] ~= '' then
  local seen = redis.call('HMGET', KEYS[1], 'id', 'fp')
  if seen[1] then return {0, seen[1], seen[2]} end
end
redis.call('HSET', KEYS[2], unpack(ARGV, 8))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if KEYS[1] ~= '' then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'fp', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
if KEYS[4] ~= '' then
  for _, ev in ipairs(cjson.decode(ARGV[7])) do
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'kind', ev[1], 'data', ev[2])
  end
end
if KEYS[5] ~= '' then redis.call('SADD', KEYS[5], ARGV[5]) end
if KEYS[6] ~= '' then redis.call('LPUSH', KEYS[6], ARGV[5]) end
return {1, ARGV[1]}
"""

# Move an operation between states if (and only if) it is in one of the allowed states and,
# when given, still on the expected attempt. The attempt check fences a stale worker: once an
# operation was retried, the old attempt can no longer change it.
#
# KEYS: record hash, events stream, active set, queue list
# ARGV: allowed (comma list), expected attempt ("" = any), new state, reason, now_ms,
#       member (tenant/id), bump attempt ("1"/"0"), enqueue ("1"/"0"), events maxlen,
#       field/value...
# Returns {1, new_state, attempt} or {0, current_state, attempt}.
TRANSITION = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'attempt')
if not cur[1] then return {0, '', '0'} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == cur[1] then allowed = true end end
if not allowed or (ARGV[2] ~= '' and ARGV[2] ~= cur[2]) then return {0, cur[1], cur[2]} end
local attempt = tonumber(cur[2] or '0')
if ARGV[7] == '1' then attempt = attempt + 1 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'attempt', attempt, 'update_time', ARGV[5])
if #ARGV > 9 then redis.call('HSET', KEYS[1], unpack(ARGV, 10)) end
if ARGV[3] == 'RUNNING' and redis.call('HEXISTS', KEYS[1], 'start_time') == 0 then
  redis.call('HSET', KEYS[1], 'start_time', ARGV[5])
end
local final = ARGV[3] == 'SUCCEEDED' or ARGV[3] == 'FAILED' or ARGV[3] == 'CANCELLED'
if final then
  redis.call('HSET', KEYS[1], 'end_time', ARGV[5])
  redis.call('SREM', KEYS[3], ARGV[6])
end
local event = cjson.encode({state = ARGV[3], attempt = attempt, reason = ARGV[4]})
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[9], '*', 'kind', 'state', 'data', event)
if ARGV[8] == '1' then redis.call('LPUSH', KEYS[4], ARGV[6]) end
return {1, ARGV[3], tostring(attempt)}
"""
