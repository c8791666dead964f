/**
 * A pending landing: one job on `cache-export-landing` per accepted export, under the export's
 * job id. It waits as a delayed job between looks, so it holds no worker slot and no NCP rate
 * budget, and it survives worker restarts. Its data says what to look for and what the last
 * look saw; nothing secret.
 */
import type { ExportRequest } from '../../shared/contract.ts';
import type { LandingTarget, SeenObject } from '../../shared/landing/target.ts';

export interface LandingJobData {
  /** The export job, whose record the check updates. */
  exportJobId: string;
  request: ExportRequest;
  /** When NCP accepted the export (ms). */
  acceptedAtMs: number;
  /** After this, an export that has not settled is `not-landed` (ms). */
  deadlineMs: number;
  target: LandingTarget;
  /** The candidate the last look saw, if any. */
  previous?: SeenObject | undefined;
  /** Looks made so far. */
  checks: number;
  /** The last Object Storage error, if the last look failed. */
  lastError?: string | undefined;
}

/**
 * The next look: the next multiple of `pollMs` at least `pollMs` away. Every pending landing
 * looks on the same beat, so the looks of one beat share a List Objects walk.
 */
export function nextLookAt(nowMs: number, pollMs: number): number {
  return Math.ceil((nowMs + pollMs) / pollMs) * pollMs;
}
