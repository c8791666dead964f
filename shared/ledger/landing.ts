/**
 * Landing results in the ledger: a check that ends (landed or not) updates the export's record
 * in place (its `landing` field), counts itself under `ncp_cache_export_landings_total` and the
 * landing-time histogram, and marks the instance's summary when the record is its last success.
 * A landing is not a new outcome: the record's claim and the outcome counters are untouched.
 * Exactly once: a claim of its own (set only if absent) guards the counting, so a check that
 * runs twice (a worker died after counting) counts once and only rewrites the record.
 */
import type { Landing } from '../contract.ts';
import { RESULTS_QUEUE } from '../contract-core.ts';
import { LANDING_SECONDS_BUCKETS, metricFields } from '../metric-fields.ts';

/**
 * KEYS: the landing claim, the counter hash, the instance's summary. ARGV: claim lifetime (ms),
 * job id, state, key, then counter fields to bump by 1, then `sum`, the ms to add to the sum
 * field (ARGV[5] names it). Returns 1 when counted, 0 for a repeat.
 */
export const LAND_LUA = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  for i = 6, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
  local sum = ARGV[5]
  if sum ~= '' then
    local field, ms = string.match(sum, '^(.*)=(%d+)$')
    redis.call('HINCRBY', KEYS[2], field, tonumber(ms))
  end
  if redis.call('HGET', KEYS[3], 'ok_job') == ARGV[2] then
    redis.call('HSET', KEYS[3], 'ok_landing', ARGV[3], 'ok_key', ARGV[4])
  end
  return 1
end
return 0
`;

export function landingClaimKey(prefix: string, jobId: string): string {
  return `${prefix}:${RESULTS_QUEUE}-landed:${jobId}`;
}

/** The counter fields and the sum a final landing adds (see {@link LAND_LUA}). */
export function landingCounts(landing: Landing): { fields: string[]; sum: string } {
  const fields = [metricFields.landing(landing.state)];
  if (landing.state !== 'landed' || landing.landedAfterMs === undefined) {
    return { fields, sum: '' };
  }
  const seconds = landing.landedAfterMs / 1000;
  const index = LANDING_SECONDS_BUCKETS.findIndex((bound) => seconds <= bound);
  fields.push(metricFields.landingBucket(index === -1 ? LANDING_SECONDS_BUCKETS.length : index));
  return { fields, sum: `${metricFields.landingSum()}=${landing.landedAfterMs}` };
}
