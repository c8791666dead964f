/**
 * Fresh backups on demand (`discover --fresh`): for each matched instance, note the manual
 * backups NCP lists, create a manual backup, then look at the manual list again on later runs
 * until a file appears that was not there before, and export that file (MANUAL).
 *
 * One run of the discovery job is one step: it sends the creates still to be sent and looks
 * once at the instances still waiting, then returns `waiting` (the processor re-schedules the
 * job `pollMs` later, holding no worker slot in between) or the finished plan. Progress lives
 * in Redis ({@link FreshStore}), so a worker restart picks it up where it was.
 *
 * A create is sent at most once per instance and discovery. It is repeated only when NCP
 * cannot have acted on it: it was never written to the socket, or NCP answered a retryable
 * service code ("busy, try again", NCP_RETRYABLE_CODES). A timeout, a lost connection, a
 * gateway 5xx or an unreadable 200 may hide an accepted create: the instance then waits for a
 * new file as if accepted, and its outcome says the create's fate was unknown if none comes.
 */
import { API_FAMILIES, type ApiFamily } from '../../shared/contract.ts';
import type { DiscoveryError, DiscoveryRequest } from '../../shared/discovery-contract.ts';
import { NcpError } from '../../shared/ncp/index.ts';
import { type FreshState, type FreshStore, freshKey } from './fresh-store.ts';
import { type ListedBackup, type ListedInstance, listBackups, listNames } from './ncp-lists.ts';
import {
  addFile,
  type DiscoveryPlan,
  type ListCalls,
  listDiscoveryInstances,
  type PlanOptions,
  plannedRow,
} from './plan.ts';

/** Sends one create call; rejects with {@link CreateFailed} when NCP did not accept it. */
export type CreateCall = (
  api: ApiFamily,
  action: string,
  params: Readonly<Record<string, string | undefined>>,
) => Promise<void>;

/** A create call that failed, and whether it reached the socket. */
export class CreateFailed extends Error {
  override readonly name = 'CreateFailed';
  readonly error: NcpError;
  /** Whether it was written to the socket (NCP may have acted on it). */
  readonly sent: boolean;

  constructor(error: NcpError, sent: boolean) {
    super(error.message, { cause: error });
    this.error = error;
    this.sent = sent;
  }
}

export interface FreshSettings {
  store: FreshStore;
  /** Longest wait for a new file after the create was accepted. */
  timeoutMs: number;
  /** Time between looks at the manual list (the job's delay between runs). */
  pollMs: number;
}

export interface FreshStepDeps {
  calls: ListCalls;
  create: CreateCall;
  settings: FreshSettings;
  now: () => number;
}

export type FreshStep = { done: false; waiting: number } | { done: true; plan: DiscoveryPlan };

/** One step of a fresh discovery (see the module comment). */
export async function stepFresh(
  deps: FreshStepDeps,
  jobId: string,
  request: DiscoveryRequest,
  options: PlanOptions,
): Promise<FreshStep> {
  const { store } = deps.settings;
  const progress = await store.read(jobId);
  let listing = progress.listing;
  if (!listing) {
    listing = await listDiscoveryInstances(deps.calls, request, options);
    await store.saveListing(jobId, listing);
  }
  const states = progress.states;
  const matched = listing.matched;
  let next = 0;
  const runner = async () => {
    while (next < matched.length) {
      const instance = matched[next++]!;
      const state = await stepInstance(
        deps,
        jobId,
        instance,
        states.get(freshKey(instance)),
        options,
      );
      states.set(freshKey(instance), state);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, matched.length) }, runner));

  const waiting = matched.filter((i) => {
    const phase = states.get(freshKey(i))?.phase;
    return phase === 'creating' || phase === 'created';
  }).length;
  if (waiting > 0) return { done: false, waiting };

  const errors: DiscoveryError[] = [...listing.errors];
  const instances = matched.map((instance) => {
    const row = plannedRow(instance, options.regionCode);
    const state = states.get(freshKey(instance))!;
    if (state.phase === 'failed') {
      row.backupsListed = state.listed;
      errors.push(state.error);
    } else if (state.phase === 'found') {
      row.backupsListed = state.listed;
      const refused = addFile(row, state, request, options);
      if (refused) {
        const action = listNames(instance.api).manualBackupList;
        errors.push(problem('BAD_FILE_NAME', instance, `${action} ${refused}`, 'invalid'));
      }
    }
    return row;
  });
  errors.sort((a, b) => (a.instanceNo ?? '').localeCompare(b.instanceNo ?? ''));
  return { done: true, plan: { instancesSeen: listing.instancesSeen, instances, errors } };
}

/** Takes one instance one step further; returns (and has saved) its new state. */
async function stepInstance(
  deps: FreshStepDeps,
  jobId: string,
  instance: ListedInstance,
  state: FreshState | undefined,
  options: PlanOptions,
): Promise<FreshState> {
  if (state?.phase === 'found' || state?.phase === 'failed') return state;
  const { store, timeoutMs } = deps.settings;
  const key = freshKey(instance);
  const names = listNames(instance.api);
  const { instanceParam } = API_FAMILIES[instance.api];
  const save = async (next: FreshState) => {
    await store.save(jobId, key, next);
    return next;
  };
  const fail = (error: DiscoveryError, listed: number | null) =>
    save({ phase: 'failed', error, listed });

  let listed: ListedBackup[];
  try {
    listed = await listBackups(deps.calls(instance.api), instance.api, {
      regionCode: options.regionCode,
      instanceNo: instance.instanceNo,
      type: 'MANUAL',
      instanceParam,
    });
  } catch (error) {
    if (!(error instanceof NcpError)) throw error;
    const timedOut = state !== undefined && deps.now() >= state.at + timeoutMs;
    // A transient error while waiting: look again next time, until the wait is over.
    if (state && error.retryable && !timedOut) return state;
    return fail({ instanceNo: instance.instanceNo, ...error.toOutcomeError() }, null);
  }

  if (state === undefined) {
    if (listed.some((backup) => !backup.fileName)) {
      const message = `${names.manualBackupList} lists manual backups of ${instanceParam} ${instance.instanceNo} without a fileName, so a new file could not be told from the old ones; no backup was created`;
      return fail(problem('NO_FILE_NAME', instance, message), listed.length);
    }
    const before = listed.map((backup) => backup.fileName!);
    await save({ phase: 'creating', before, at: deps.now() });
    const params = { regionCode: options.regionCode, [instanceParam]: instance.instanceNo };
    try {
      await deps.create(instance.api, names.createManualBackup, params);
      return save({ phase: 'created', before, at: deps.now() });
    } catch (error) {
      if (!(error instanceof CreateFailed)) {
        // Shutdown while waiting for the rate limit (the create itself is never aborted, and
        // every other failure is a CreateFailed): nothing was sent; the next run sends it.
        await store.forget(jobId, key);
        throw error;
      }
      if (!error.sent || definite(error.error)) {
        const message = `${names.createManualBackup} of ${instanceParam} ${instance.instanceNo} failed: ${error.error.message}`;
        return fail(
          { instanceNo: instance.instanceNo, ...error.error.toOutcomeError(), message },
          listed.length,
        );
      }
      const uncertain = `the answer to ${names.createManualBackup} was lost (${error.error.kind}/${error.error.code}: ${error.error.message}), so whether NCP made a backup is not known; it was not asked again, so as not to make two`;
      return save({ phase: 'created', before, at: deps.now(), uncertain });
    }
  }

  const before = new Set(state.before);
  const fresh = listed
    .filter((backup) => backup.fileName && !before.has(backup.fileName))
    .sort((a, b) => (a.time ?? 0) - (b.time ?? 0))
    .at(-1);
  if (fresh?.fileName) {
    const backupTime = fresh.time === undefined ? null : new Date(fresh.time).toISOString();
    return save({ phase: 'found', fileName: fresh.fileName, backupTime, listed: listed.length });
  }
  if (deps.now() < state.at + timeoutMs) return state;
  const seen = listed.map((backup) => backup.fileName ?? '(no fileName)');
  const shown = seen.length > 10 ? `${seen.slice(0, 10).join(', ')}, …` : seen.join(', ');
  const why =
    state.phase === 'creating'
      ? `; the run that sent ${names.createManualBackup} ended before its answer, so whether NCP made a backup is not known (it was not asked again, so as not to make two)`
      : state.uncertain
        ? `; ${state.uncertain}`
        : '';
  const message = `no new manual backup of ${instanceParam} ${instance.instanceNo} appeared in ${names.manualBackupList} within ${Math.round(timeoutMs / 1000)} s of ${names.createManualBackup} (${new Date(state.at).toISOString()}): it lists ${listed.length} manual backup(s), all there before${shown ? ` (${shown})` : ''}${why}`;
  return fail(problem('FRESH_BACKUP_NOT_FOUND', instance, message, 'timeout'), listed.length);
}

/**
 * Whether a failed create surely made no backup: NCP answered and refused it (auth, invalid,
 * throttled), as opposed to an answer that was lost or unreadable.
 */
function definite(error: NcpError): boolean {
  return error.kind === 'auth' || error.kind === 'invalid' || error.kind === 'throttled';
}

function problem(
  code: string,
  instance: ListedInstance,
  message: string,
  kind: DiscoveryError['kind'] = 'protocol',
): DiscoveryError {
  return { instanceNo: instance.instanceNo, kind, code, message, retryable: false };
}
