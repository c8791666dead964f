/**
 * What happens after NCP answers 429: how long every worker pauses, and the limit the fleet
 * keeps to afterwards. NCP publishes no rate limit, so the limit is learned from what its
 * gateway did:
 *
 * - **Estimate, then pace under it.** On a 429, count the calls NCP accepted in the window
 *   (1 s plus the guard) before the refused one was sent (the limiter's own record of send
 *   times, Redis clock). If calls kept the pace in force (at least 90% of it over a whole
 *   window), 429s begin at that pace: it becomes the ceiling, and the limit in force goes
 *   `margin` (3%) under it. If NCP accepted fewer, the limit in force goes 3% under that count;
 *   it becomes a ceiling only when the same count (within 10%) came up at the 429 before, as
 *   bunched calls (a busy host, transit jitter before a token bucket) also bring an early 429.
 * - **A pause as short as the evidence allows.** Every worker waits until the oldest of those
 *   accepted calls has left the window, so the gateway has room again when calls resume; with
 *   `Retry-After`, for that long, capped at `retryAfterMaxMs` (logged when capped). Only when
 *   NCP accepted nothing in the second before (it throttles at any rate) does the pause grow
 *   exponentially, from `adaptiveBaseMs` to `adaptiveMaxMs`.
 * - **One decision per window.** 429s of calls sent within a window of the last cut (the rest
 *   of a burst, calls in flight, NCP's window still full of the calls before it) cut no
 *   further, except that a refused call the estimate had counted as accepted lowers it by one.
 *   If the calls before the refused one span less than a window (just started), the estimate
 *   is only a lower bound and sets no ceiling.
 * - **Probe up slowly.** Without a 429, the limit in force grows every second (in the acquire
 *   script, `rate-limit-scripts.ts`): by 1% up to 98% of a ceiling seen in the last 10
 *   minutes, by 10% when there is none, up to the configured limit.
 *
 * The learned limit is kept in Redis without expiry (the `rate` hash), so restarted workers
 * start from it; `status`, the metrics and the workers' logs show it.
 */
import { THROTTLE_TUNING } from '../shared/defaults.ts';
import type { Logger } from '../shared/logger.ts';
import { NOW } from './rate-limit-scripts.ts';

/** Tuning of {@link THROTTLED} and of probing; defaults in {@link THROTTLE_DEFAULTS}. */
export interface ThrottleTuning {
  /** The limit in force goes this share under the estimate of NCP's. */
  margin: number;
  /** First pause when NCP throttles at any rate. */
  adaptiveBaseMs: number;
  /** Longest such pause (never above the Retry-After cap). */
  adaptiveMaxMs: number;
  /** Without a 429 for this long, the limit in force grows by `probeStep`. */
  probeEveryMs: number;
  /** Growth per probe while a recent ceiling bounds it. */
  probeStep: number;
  /** Growth per probe with no recent ceiling (the estimate was only a lower bound). */
  probeStepUnbounded: number;
  /** How long a ceiling seen at a 429 stops probing just under it. */
  ceilingTtlMs: number;
  /** How long after sending a call's 429 still counts towards an estimate. */
  keepMs: number;
}

/** The tuning in force unless a test or benchmark sets its own (`shared/defaults.ts`). */
export const THROTTLE_DEFAULTS: ThrottleTuning = THROTTLE_TUNING;

/** What the limiter decided after a 429. */
export interface ThrottleDecision {
  /** The pause every worker now keeps, in ms from now (0: none). */
  pauseMs: number;
  /** Calls NCP accepted in the second before the refused one; undefined if not estimated. */
  estimate: number | undefined;
  /** The limit in force after this 429, calls/s; undefined when it did not change. */
  limitCutTo: number | undefined;
  /** NCP's Retry-After when it was longer than the cap, in ms. */
  retryAfterCappedFromMs: number | undefined;
  /** True when the 429 belonged to calls sent before the last decision. */
  oldNews: boolean;
}

/**
 * KEYS: calls, pause, strikes, rate, refused.
 * ARGV: member, retryAfterMs (-1 if none), baseMs, maxMs, configured, margin, keepMs, capMs,
 * windowMs, ceilingTtlMs.
 * Returns { pauseMs, estimate (-1 if none), limitCutTo as text ('' if unchanged),
 * retryAfterCapped (1|0), oldNews (1|0) }.
 */
export const THROTTLED = `${NOW}
local window = tonumber(ARGV[9])
local sentAt = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or now)
if sentAt > now then sentAt = now end
local keep = tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - window - keep)
redis.call('ZADD', KEYS[5], sentAt, ARGV[1])
redis.call('PEXPIRE', KEYS[5], window + keep)
local pauseUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
local configured = tonumber(ARGV[5])
local margin = tonumber(ARGV[6])
local rate = redis.call('HMGET', KEYS[4], 'limit', 'cut', 'ceiling', 'refSentAt', 'struck', 'estimate', 'estimateAt')
local cutAt = tonumber(rate[2] or '-1e15')
if sentAt < cutAt + window or sentAt < tonumber(rate[5] or '-1e15') then
  -- Within a window of the last decision: NCP's window still held the traffic before it.
  local ref = tonumber(rate[4] or '-1e15')
  if rate[1] and rate[3] and sentAt < ref and sentAt > ref - window then
    -- Counted as accepted by that estimate, but refused: the estimate was one too high.
    local ceiling = math.max(1, tonumber(rate[3]) - 1)
    local newLimit = math.min(tonumber(rate[1]), math.max(0.1, ceiling * (1 - margin)))
    redis.call('HSET', KEYS[4], 'limit', tostring(newLimit), 'ceiling', ceiling, 'estimate', ceiling)
    return {math.max(0, pauseUntil - now), ceiling, tostring(newLimit), 0, 1}
  end
  return {math.max(0, pauseUntil - now), -1, '', 0, 1}
end
local limit = math.min(configured, tonumber(rate[1] or configured))
local retryAfter = tonumber(ARGV[2])
local cap = tonumber(ARGV[8])
local capped = 0
if retryAfter > cap then
  retryAfter = cap
  capped = 1
end
local from = '(' .. (sentAt - window)
local to = '(' .. sentAt
local estimate = redis.call('ZCOUNT', KEYS[1], from, to) - redis.call('ZCOUNT', KEYS[5], from, to)
local wait = 0
local cutTo = ''
if estimate >= 1 then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
  local whole = first and tonumber(first) <= sentAt - window
  local base = math.min(limit, estimate)
  local ceilingAt = 0
  if whole and estimate >= 0.9 * limit then
    -- NCP refused while calls kept their pace: 429s begin at the pace in force.
    base = limit
    ceilingAt = now
  else
    -- NCP accepted fewer than the pace in force: its limit, or calls that bunched up (a busy
    -- host, transit jitter before a token bucket). The same estimate twice in 10 minutes is
    -- where 429s begin; once, only a lower bound.
    local previous = tonumber(rate[6] or '-1')
    if previous > 0 and now - tonumber(rate[7] or '0') < tonumber(ARGV[10]) and math.abs(previous - estimate) <= 0.1 * previous then
      ceilingAt = now
    end
  end
  local newLimit = math.max(0.1, base * (1 - margin))
  cutTo = tostring(newLimit)
  redis.call('HSET', KEYS[4], 'limit', cutTo, 'cut', now, 'changed', now, 'refSentAt', sentAt, 'ceiling', base, 'ceilingAt', ceilingAt, 'estimate', estimate, 'estimateAt', now)
  redis.call('DEL', KEYS[3])
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], from, to)) do
    if not redis.call('ZSCORE', KEYS[5], member) then
      wait = tonumber(redis.call('ZSCORE', KEYS[1], member)) + window - now
      break
    end
  end
else
  local strikes = redis.call('INCR', KEYS[3])
  wait = math.min(tonumber(ARGV[3]) * 2 ^ (strikes - 1), tonumber(ARGV[4]), cap)
  redis.call('PEXPIRE', KEYS[3], wait + 5000)
  redis.call('HSET', KEYS[4], 'struck', now)
end
if retryAfter >= 0 then wait = retryAfter end
wait = math.max(0, math.ceil(wait))
local untilTs = math.max(pauseUntil, now + wait)
if untilTs > now then redis.call('SET', KEYS[2], untilTs, 'PX', untilTs - now + 1000) end
return {untilTs - now, estimate, cutTo, capped, 0}
`;

/** Reads the script's answer. */
export function throttleDecision(
  reply: [number, number, string, number, number],
  retryAfterMs: number | undefined,
): ThrottleDecision {
  const [pauseMs, estimate, cutTo, capped, oldNews] = reply;
  return {
    pauseMs: Number(pauseMs),
    estimate: Number(estimate) < 0 ? undefined : Number(estimate),
    limitCutTo: cutTo === '' ? undefined : Number(cutTo),
    retryAfterCappedFromMs: Number(capped) === 1 ? retryAfterMs : undefined,
    oldNews: Number(oldNews) === 1,
  };
}

/** NCP's Retry-After, no longer than the cap (NCP_RETRY_AFTER_MAX_MS). */
export function boundedRetryAfter(
  retryAfterMs: number | undefined,
  capMs: number,
): number | undefined {
  return retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, capMs);
}

/** One log line for a 429 that changed something: the pause, the limit, a capped Retry-After. */
export function logThrottleDecision(log: Logger, decision: ThrottleDecision, capMs: number): void {
  if (decision.oldNews) return;
  if (decision.retryAfterCappedFromMs !== undefined) {
    log.warn(
      { retryAfterMs: decision.retryAfterCappedFromMs, capMs },
      `NCP asked to wait ${Math.round(decision.retryAfterCappedFromMs / 1000)} s; waiting NCP_RETRY_AFTER_MAX_MS (${capMs} ms) instead`,
    );
  }
  const limit = decision.limitCutTo;
  log.warn(
    {
      pauseMs: decision.pauseMs,
      ncpAcceptedLastSecond: decision.estimate,
      limitInForce: limit === undefined ? undefined : Math.round(limit * 100) / 100,
    },
    limit === undefined
      ? `NCP throttled at any rate: every worker pauses ${decision.pauseMs} ms`
      : `NCP throttled after accepting ${decision.estimate} calls in a second: limit in force now ${limit.toFixed(2)} calls/s, every worker pauses ${decision.pauseMs} ms`,
  );
}
