/**
 * The API routes: every action under the base path of every API family. Adding an action
 * (e.g. `getCloudRedisInstanceList`) means writing one more {@link Action} and listing it.
 */

import type { Catalog } from './catalog.ts';
import { createManualBackupAction } from './create-backup.ts';
import { exportBackupAction } from './export-backup.ts';
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import { backupDetailListAction } from './list-backups.ts';
import { instanceListAction } from './list-instances.ts';
import type { ParamSpec } from './params.ts';
import type { ServiceError } from './responses.ts';
import type { AcceptedExport, CreatedBackup } from './types.ts';
import type { ResponseValue } from './xml.ts';

/** What an action sees of a request that passed the gateway. */
export interface ActionContext {
  api: ApiFamily;
  /** Parameters by name, already checked against the action's {@link ParamSpec}. */
  params: ReadonlyMap<string, string>;
  catalog: Catalog;
  requestId: string;
  /** How a manual backup created by this request behaves (drawn per request by the gateway). */
  manualBackup?: { delayMs: number; never: boolean };
}

/** An action's answer: a value under its response root, or a service error. */
export type ActionResult =
  | {
      ok: true;
      value: ResponseValue;
      accepted?: Omit<AcceptedExport, 'at'>;
      created?: Omit<CreatedBackup, 'at'>;
    }
  | { ok: false; error: ServiceError };

/** One NCP API action, the same for every family that has it. */
export interface Action {
  /** Path segment after the base path, e.g. `exportBackupToObjectStorage`. */
  name: string;
  /** Root element / key of a success answer, e.g. `exportBackupToObjectStorageResponse`. */
  responseRoot: string;
  /** The families that have it. */
  apis: readonly ApiFamily[];
  params(api: ApiFamily): ParamSpec;
  /** Answers a request; pure apart from reading the catalog. */
  handle(ctx: ActionContext): ActionResult;
}

/** An action reached through one family's base path. */
export interface Route {
  api: ApiFamily;
  action: Action;
}

const ACTIONS: readonly Action[] = [
  exportBackupAction,
  ...(['vredis', 'vcache'] as const).flatMap((api) => [
    instanceListAction(api),
    backupDetailListAction(api, false),
    backupDetailListAction(api, true),
    createManualBackupAction(api),
  ]),
];

const ROUTES = new Map<string, Route>(
  ACTIONS.flatMap((action) =>
    action.apis.map((api) => [`${NCP_FAMILIES[api].basePath}/${action.name}`, { api, action }]),
  ),
);

/** The route of a request path (without query), or undefined. */
export function findRoute(pathname: string): Route | undefined {
  return ROUTES.get(pathname);
}
