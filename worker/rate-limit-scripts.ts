/**
 * The rate limiter's Lua scripts. Each runs atomically in Redis and reads the time from Redis
 * (`TIME`), so every worker on every host works from one clock.
 *
 * Keys: `calls` (sorted set of booked calls), `pause` (time until which nobody calls),
 * `strikes` (429s in a row without Retry-After), `rate` (hash: the limit in force after 429s,
 * `cap`, and when it last changed, `cut` / `grown`).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: calls, pause, rate. ARGV: windowMs, capacity, member, reserveMs, recoverMs, step.
 * Grants a call if the window has room under the limit in force, booking it `reserveMs` ahead
 * (it counts everywhere until SENT re-books it). While the limit in force is below `capacity`,
 * raises it by `step` every `recoverMs`. Returns { granted (1|0), waitMs, paused (1|0) }.
 */
export const ACQUIRE = `${NOW}
local pauseUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pauseUntil > now then return {0, pauseUntil - now, 1} end
local window = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local limit = capacity
local rate = redis.call('HMGET', KEYS[3], 'cap', 'cut', 'grown')
if rate[1] then
  limit = math.min(capacity, tonumber(rate[1]))
  local changed = math.max(tonumber(rate[2] or '0'), tonumber(rate[3] or '0'))
  if now - changed >= tonumber(ARGV[5]) then
    limit = math.min(capacity, limit + tonumber(ARGV[6]))
    if limit >= capacity then
      redis.call('DEL', KEYS[3])
    else
      redis.call('HSET', KEYS[3], 'cap', limit, 'grown', now)
    end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  local reserve = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], now + reserve, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + reserve)
  return {1, 0, 0}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return {0, 10, 0} end
return {0, oldest + window - now, 0}
`;

/** KEYS: calls. ARGV: member. Re-books a granted call at the current time, if still booked. */
export const SENT = `${NOW}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return now
`;

/**
 * KEYS: pause, strikes, rate. ARGV: retryAfterMs (-1 if none), baseMs, maxMs, capacity,
 * windowMs. After a 429: cuts the limit in force to 3/4 (at most once per window, so the 429s
 * of one burst cut once), and pauses everyone: for Retry-After, or for `baseMs` doubling with
 * each 429 that follows within 5 s of the last pause, up to `maxMs`. 429s of calls sent before
 * a pause began do not lengthen it. Returns the pause in force, in ms from now.
 */
export const THROTTLED = `${NOW}
local capacity = tonumber(ARGV[4])
local rate = redis.call('HMGET', KEYS[3], 'cap', 'cut')
if now - tonumber(rate[2] or '0') >= tonumber(ARGV[5]) then
  local limit = math.max(1, math.floor(math.min(capacity, tonumber(rate[1] or capacity)) * 3 / 4))
  redis.call('HSET', KEYS[3], 'cap', limit, 'cut', now)
  redis.call('PEXPIRE', KEYS[3], 3600000)
end
local pauseUntil = tonumber(redis.call('GET', KEYS[1]) or '0')
local retryAfter = tonumber(ARGV[1])
local wait
if retryAfter >= 0 then
  wait = retryAfter
else
  if pauseUntil > now then return pauseUntil - now end
  local strikes = redis.call('INCR', KEYS[2])
  wait = math.min(tonumber(ARGV[2]) * 2 ^ (strikes - 1), tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[2], wait + 5000)
end
local untilTs = math.max(pauseUntil, now + wait)
redis.call('SET', KEYS[1], untilTs, 'PX', untilTs - now + 1000)
return untilTs - now
`;
