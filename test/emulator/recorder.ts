/**
 * What the emulator counts and records: stats, sliding windows and accepted exports.
 */
import { type Admission, Admitter, type GatewayModel } from './gateway-models.ts';
import { SlidingWindow } from './sliding-window.ts';
import {
  type AcceptedExport,
  type CreatedBackup,
  type EmulatorStats,
  FAULT_NAMES,
  type FaultName,
} from './types.ts';

/** Counters that are plain increments. */
export type Counter =
  | 'throttled'
  | 'badSignatures'
  | 'invalid'
  | 'notFound'
  | 'manualBackupCreateCalls';

export type { Admission } from './gateway-models.ts';

/** Stats, windows and exports of one emulator. Times are monotonic milliseconds. */
export class Recorder {
  readonly #windowMs: number;
  readonly #arrivals: SlidingWindow;
  readonly #admitted: Admitter;
  readonly #acceptedWindow: SlidingWindow;
  #counters = emptyCounters();
  #exports: AcceptedExport[] = [];
  #created: CreatedBackup[] = [];
  #seen = new Set<string>();
  #duplicates = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
    this.#arrivals = new SlidingWindow(windowMs);
    this.#admitted = new Admitter(windowMs);
    this.#acceptedWindow = new SlidingWindow(windowMs);
  }

  /** Length of the sliding windows, in milliseconds. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** Counts a request arriving at `now`. */
  arrival(now: number): void {
    this.#counters.requests++;
    this.#arrivals.add(now);
  }

  /** Admits a request at `now` by the gateway model's rule (`gateway-models.ts`). */
  admit(
    now: number,
    limit: number | null,
    model: GatewayModel = 'sliding',
    burst = 1,
    wallNow = Date.now(),
  ): Admission {
    return this.#admitted.admit(now, wallNow, limit, model, burst);
  }

  count(counter: Counter): void {
    this.#counters[counter]++;
  }

  fault(name: FaultName): void {
    this.#counters.faults[name]++;
  }

  /** Records an accepted export at monotonic time `now`. */
  accept(entry: AcceptedExport, now: number): void {
    const key = [
      entry.api,
      entry.regionCode,
      entry.instanceNo,
      entry.backupTypeMode,
      entry.fileName,
      entry.bucketName,
    ].join('\u0000');
    if (this.#seen.has(key)) this.#duplicates++;
    this.#seen.add(key);
    this.#exports.push(entry);
    this.#counters.accepted++;
    this.#acceptedWindow.add(now);
  }

  /** Records a manual backup created. */
  created(entry: CreatedBackup): void {
    this.#created.push(entry);
  }

  manualBackups(): CreatedBackup[] {
    return this.#created.map((entry) => ({ ...entry }));
  }

  stats(): EmulatorStats {
    return {
      ...this.#counters,
      manualBackupsCreated: this.#created.length,
      faults: { ...this.#counters.faults },
      maxPerSecond: this.#arrivals.max,
      maxAcceptedPerSecond: this.#acceptedWindow.max,
      duplicates: this.#duplicates,
    };
  }

  exports(): AcceptedExport[] {
    return this.#exports.map((entry) => ({ ...entry }));
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.#counters = emptyCounters();
    this.#exports = [];
    this.#created = [];
    this.#seen.clear();
    this.#duplicates = 0;
    this.#arrivals.clear();
    this.#admitted.reset();
    this.#acceptedWindow.clear();
  }
}

function emptyCounters() {
  return {
    requests: 0,
    accepted: 0,
    throttled: 0,
    badSignatures: 0,
    invalid: 0,
    notFound: 0,
    manualBackupCreateCalls: 0,
    faults: Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>,
  };
}
