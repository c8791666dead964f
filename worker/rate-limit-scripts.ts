/**
 * The rate limiter's Lua scripts. Each runs atomically in Redis and reads the time from Redis
 * (`TIME`), so every worker on every host works from one clock. What happens after a 429 (the
 * pause and the limit estimate) is in `throttle.ts`; the auth pause in `auth-breaker.ts`.
 *
 * Keys: `calls` (sorted set of booked calls, scored by send time), `pause` (time until which
 * nobody calls), `rate` (hash: the limit learned from 429s, see `throttle.ts`), `gcra` (the
 * theoretical arrival time of the next call), `auth` (hash, present while auth errors pause
 * every worker).
 */

export const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: calls, pause, rate, gcra, auth.
 * ARGV: limit (configured calls/s), capacity, windowMs, member, reserveMs, keepMs, burst,
 * probeEveryMs, probeStep, ceilingTtlMs, probeStepUnbounded.
 *
 * Grants a call when both hold:
 * - **pacing (GCRA)**: calls are spaced `windowMs / limitInForce` ms apart (the emission
 *   interval), with `burst` calls of tolerance (none under a learned limit), so the fleet sends
 *   an even stream instead of one burst per window;
 * - **the promise**: fewer than `capacity` calls were sent (or granted and not yet sent) in the
 *   last `windowMs`.
 * A granted call is booked `reserveMs` ahead (it counts everywhere until SENT re-books it).
 * While the limit learned from 429s is in force, it grows every `probeEveryMs` without a 429:
 * by `probeStep` up to just under the ceiling NCP showed (while that is younger than
 * `ceilingTtlMs`), else by `probeStepUnbounded`, up to the configured limit.
 * Returns { granted (1|0), waitMs or grant time, paused (0 no, 1 throttle, 2 auth),
 * then: the interval (ms) when waiting for the pace, or the delay until the reserved slot }.
 */
export const ACQUIRE = `${NOW}
if redis.call('EXISTS', KEYS[5]) == 1 then return {0, 0, 2} end
local pauseUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pauseUntil > now then return {0, pauseUntil - now, 1} end
local configured = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local limit = configured
local burst = tonumber(ARGV[7])
local rate = redis.call('HMGET', KEYS[3], 'limit', 'changed', 'ceiling', 'ceilingAt')
if rate[1] then
  limit = math.min(configured, tonumber(rate[1]))
  -- Under a learned limit, calls are strictly paced: a burst would exceed it in some window.
  burst = 0
  if now - tonumber(rate[2] or '0') >= tonumber(ARGV[8]) then
    local top = configured
    local step = tonumber(ARGV[11])
    if rate[3] and now - tonumber(rate[4] or '0') < tonumber(ARGV[10]) then
      top = math.min(configured, math.max(limit, tonumber(rate[3]) * 0.98))
      step = tonumber(ARGV[9])
    end
    local grown = math.min(top, limit * (1 + step))
    if grown >= configured then
      redis.call('HDEL', KEYS[3], 'limit')
      redis.call('HSET', KEYS[3], 'changed', now)
    else
      redis.call('HSET', KEYS[3], 'limit', tostring(grown), 'changed', now)
    end
    limit = grown
  end
end
local interval = window / limit
if limit < 1 then interval = math.max(window, 1000 / limit) end
local tat = math.max(tonumber(redis.call('GET', KEYS[4]) or '0'), now)
-- The caller's slot: the earliest time the pace allows. Within one interval, it is reserved
-- and the caller sleeps until then; further ahead, the caller asks again later.
local slot = math.max(now, tat - interval * burst)
if slot - now > interval then
  return {0, math.ceil(slot - now - interval), 0, math.ceil(interval)}
end
local keep = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window - keep)
-- The promise, at the slot: fewer than capacity calls sent, or granted and not yet sent, in
-- the window ending there (a call sent later than its slot only widens the gaps).
local edge = '(' .. (slot - window)
if redis.call('ZCOUNT', KEYS[1], edge, '+inf') >= capacity then
  local oldest = tonumber(redis.call('ZRANGEBYSCORE', KEYS[1], edge, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2])
  local logWait = math.ceil(interval)
  if oldest <= now then logWait = math.max(1, math.ceil(oldest + window - now)) end
  return {0, logWait, 0, math.ceil(interval)}
end
local newTat = math.max(tat, slot) + interval
redis.call('SET', KEYS[4], tostring(newTat), 'PX', math.ceil(newTat - now + window))
local reserve = tonumber(ARGV[5])
redis.call('ZADD', KEYS[1], now + reserve, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window + reserve + keep)
return {1, now, 0, math.ceil(slot - now)}
`;

/** KEYS: calls. ARGV: member. Re-books a granted call at the current time, if still booked. */
export const SENT = `${NOW}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return now
`;
