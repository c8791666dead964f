/**
 * What notifications say, and their two bodies: a generic JSON object, or Slack's incoming
 * webhook body (`{ "text": ... }`). Nothing secret goes in: ids, counts, error kinds and NCP's
 * own messages only.
 */

/** One failed export, as a batch message lists it. */
export interface FailureSample {
  jobId: string;
  api: string;
  regionCode: string;
  instanceNo: string;
  fileName: string;
  kind: string;
  code: string;
  message: string;
  finishedAt: string;
}

/** An instance that went stale, as a message lists it. */
export interface StaleSample {
  api: string;
  regionCode: string;
  instanceNo: string;
  /** Its last success, or null if it never had one. */
  lastSuccessAt: string | null;
}

export type Notification =
  | {
      type: 'export-failures';
      /** Exports that failed for good since the last such message. */
      count: number;
      byKind: Record<string, number>;
      /** The latest of them (at most {@link SAMPLE_MAX}). */
      sample: FailureSample[];
    }
  | {
      type: 'discovery';
      jobId: string;
      schedule: string | null;
      status: string;
      dryRun: boolean;
      instancesSeen: number;
      instancesMatched: number;
      filesChosen: number;
      exportsEnqueued: number;
      exportsDuplicate: number;
      problems: number;
      finishedAt: string;
    }
  | {
      type: 'stale-instances';
      /** Instances that went stale since the last check. */
      count: number;
      /** Every stale instance now. */
      totalStale: number;
      staleAfterSeconds: number;
      instances: StaleSample[];
    };

/** Failures (and stale instances) listed in one message at most. */
export const SAMPLE_MAX = 20;
/** Longest failure message in a notification. */
export const MESSAGE_MAX = 300;

const instance = (s: { api: string; regionCode: string; instanceNo: string }) =>
  `${s.api}/${s.regionCode}/${s.instanceNo}`;

/** A short human text: a headline and up to 10 lines. */
export function notificationText(n: Notification): string {
  switch (n.type) {
    case 'export-failures': {
      const kinds = Object.entries(n.byKind)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      const lines = n.sample
        .slice(0, 10)
        .map((f) => `• ${instance(f)} ${f.fileName}: ${f.kind}/${f.code}: ${f.message}`);
      const more = n.count > lines.length ? [`… and ${n.count - lines.length} more`] : [];
      return [`ncp-cache-export: ${n.count} export(s) failed (${kinds})`, ...lines, ...more].join(
        '\n',
      );
    }
    case 'discovery': {
      const what = n.schedule ? `schedule ${n.schedule}` : `discovery ${n.jobId}`;
      return `ncp-cache-export: ${what} ${n.status}: ${n.instancesSeen} instances seen, ${n.instancesMatched} matched, ${n.filesChosen} files chosen, ${n.exportsEnqueued} ${n.dryRun ? 'would be enqueued (dry run)' : 'enqueued'}, ${n.exportsDuplicate} already queued, ${n.problems} problems`;
    }
    case 'stale-instances': {
      const hours = Math.round(n.staleAfterSeconds / 360) / 10;
      const lines = n.instances
        .slice(0, 10)
        .map((s) => `• ${instance(s)}: last success ${s.lastSuccessAt ?? 'never'}`);
      const more = n.count > lines.length ? [`… and ${n.count - lines.length} more`] : [];
      return [
        `ncp-cache-export: ${n.count} instance(s) went stale (no successful export in ${hours} h; ${n.totalStale} stale in all)`,
        ...lines,
        ...more,
      ].join('\n');
    }
  }
}

/** The body posted to the webhook. */
export function notificationBody(format: 'json' | 'slack', n: Notification): string {
  const text = notificationText(n);
  return JSON.stringify(format === 'slack' ? { text } : { source: 'ncp-cache-export', ...n, text });
}
