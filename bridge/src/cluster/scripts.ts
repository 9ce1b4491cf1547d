/**
 * The Lua scripts the cluster runs in Redis. Each one is atomic, so a call's change, the cluster-wide
 * `seq` and the stream entry that carries it to every node can never disagree.
 *
 * Keys (prefix `popline:` by default): `calls` (hash sessionId → session JSON), `owners` (hash
 * sessionId → source id), `seq` (counter), `events` (stream), `epoch` (random id of this Redis's
 * data: a new one means Redis lost everything, e.g. a restart without persistence), `revoked` (set), `ended` (sorted set sessionId → when it ended: a call that ended
 * never comes back, even when a node replays a change it wrote before Redis lost its data; kept an hour),
 * `changed` (hash sessionId → when the call last changed, for the replays).
 *
 * Stream entry fields: t (c created, u changed, x closed, f forgotten, r token revoked), q (seq; 0
 * for f and r), o (source id), i (session or token id), s (session JSON), p (previous session JSON,
 * when changed), n (node that took the event in), a (when it did: epoch milliseconds, fractional).
 */

/**
 * KEYS: calls, owners, seq, events, ended, changed. ARGV: maxlen, node, then groups of (op, source, id,
 * json, at). Ops: u (upsert), x (end; with the final session, an end for a call not in Redis yet, its
 * ring still held by another node, makes it and ends it), f (forget), and the replays a node writes
 * after Redis lost its data (book.ts): r (upsert, only over an older change: `changed` holds when each
 * call last changed) and e (end, never making a call: the agents saw it end before the loss).
 */
export const APPLY = `
local function xadd(t, seq, src, sid, json, prev, at)
  local args = {'XADD', KEYS[4], 'MAXLEN', '~', ARGV[1], '*', 't', t, 'q', seq, 'o', src, 'i', sid, 'n', ARGV[2], 'a', at, 's', json}
  if prev then args[#args + 1] = 'p'; args[#args + 1] = prev end
  redis.call(unpack(args))
end
local function upsert(src, sid, json, at, replayed)
  if redis.call('ZSCORE', KEYS[5], sid) then return 0 end
  local owner = redis.call('HGET', KEYS[2], sid)
  if owner and owner ~= src then return -1 end
  local prev = redis.call('HGET', KEYS[1], sid)
  if replayed and prev then
    local changed = tonumber(redis.call('HGET', KEYS[6], sid) or '')
    if changed and changed >= (tonumber(at) or 0) then return 0 end
  end
  if prev == json then return 0 end
  redis.call('HSET', KEYS[1], sid, json)
  redis.call('HSET', KEYS[6], sid, at)
  if not owner then redis.call('HSET', KEYS[2], sid, src) end
  local seq = redis.call('INCR', KEYS[3])
  if prev then xadd('u', seq, src, sid, json, prev, at) else xadd('c', seq, src, sid, json, false, at) end
  return seq
end
local function tombstone(sid, at)
  local when = tonumber(at) or 0
  redis.call('ZADD', KEYS[5], when, sid)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', when - 3600000)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -100001)
end
local function finish(src, sid, json, at, replayed)
  if redis.call('ZSCORE', KEYS[5], sid) then return 0 end
  local owner = redis.call('HGET', KEYS[2], sid)
  if not owner and (replayed or json == '') then
    -- Not here: a replayed ring of it that lands later must not bring it back.
    tombstone(sid, at)
    return 0
  end
  if owner and owner ~= src then return -1 end
  if json ~= '' then upsert(src, sid, json, at, false) end
  tombstone(sid, at)
  local last = redis.call('HGET', KEYS[1], sid)
  redis.call('HDEL', KEYS[1], sid)
  redis.call('HDEL', KEYS[2], sid)
  redis.call('HDEL', KEYS[6], sid)
  local seq = redis.call('INCR', KEYS[3])
  xadd('x', seq, src, sid, last, false, at)
  return seq
end
local function forget(src, sid, at)
  if redis.call('HGET', KEYS[2], sid) ~= src then return 0 end
  redis.call('HDEL', KEYS[1], sid)
  redis.call('HDEL', KEYS[2], sid)
  redis.call('HDEL', KEYS[6], sid)
  xadd('f', 0, src, sid, '', false, at)
  return 0
end
local out = {}
for i = 3, #ARGV, 5 do
  local op, src, sid, json, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  if op == 'u' then out[#out + 1] = upsert(src, sid, json, at, false)
  elseif op == 'r' then out[#out + 1] = upsert(src, sid, json, at, true)
  elseif op == 'x' then out[#out + 1] = finish(src, sid, json, at, false)
  elseif op == 'e' then out[#out + 1] = finish(src, sid, json, at, true)
  else out[#out + 1] = forget(src, sid, at) end
end
return out
`;

/** KEYS: calls, owners, seq, events, epoch, revoked. Everything a node needs to start over, at one instant. */
export const LOAD = `
local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if last[1] then lastId = last[1][1] end
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('GET', KEYS[3]) or '0',
  lastId,
  redis.call('GET', KEYS[5]) or '',
  redis.call('SMEMBERS', KEYS[6])
}
`;

/**
 * KEYS: calls, owners, seq, epoch. ARGV: new epoch, seq, then triples (id, source, json).
 * When Redis has no epoch (it lost its data), the first node to reconnect puts back the calls it
 * knows and a seq above anything agents saw; returns the epoch in force.
 */
export const RESEED = `
local epoch = redis.call('GET', KEYS[4])
if epoch then return epoch end
redis.call('SET', KEYS[4], ARGV[1])
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[2]) > current then redis.call('SET', KEYS[3], ARGV[2]) end
for i = 3, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return ARGV[1]
`;

/** KEYS: revoked, events. ARGV: maxlen, node, token id. A revocation, told to every node once. */
export const REVOKE = `
if redis.call('SADD', KEYS[1], ARGV[3]) == 1 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 't', 'r', 'q', 0, 'i', ARGV[3], 'n', ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: node, ms. Renews the lease when this node holds it (1), else 0. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: node. Gives the lease up when this node holds it. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
