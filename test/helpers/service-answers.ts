/**
 * Everything the HTTP service (`serve`) shows about a queue, asked over a real socket: every
 * outcome page, each export by id, health, readiness, metrics, OpenAPI and the dashboard's job
 * lists; with the service's own log. For tests that check what it may not show.
 */
import { call, startTestService } from './http-service.ts';

/** What the service shows besides outcomes and exports. */
export const SERVICE_PAGES = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/ui',
  '/ui/api/queues',
  ...['waiting', 'completed', 'failed'].flatMap((status) =>
    ['cache-export', 'cache-export-results'].map(
      (queue) => `/ui/api/queues?activeQueue=${queue}&status=${status}&page=1&jobsPerPage=100`,
    ),
  ),
];

export interface ServiceAnswers {
  /** Outcomes read page by page through `GET /v1/outcomes`. */
  outcomes: number;
  /** Statuses of the other answers (exports and {@link SERVICE_PAGES}), by count. */
  statuses: Record<number, number>;
  /** Every answer, one per line: `path status body`. */
  answers: string;
  /** The service's log lines. */
  log: string;
}

export async function askService(
  env: Record<string, string>,
  jobIds: readonly string[],
): Promise<ServiceAnswers> {
  const token = 'service-answers-api-token';
  const service = await startTestService({ ...env, API_TOKEN: token, LOG_LEVEL: 'trace' });
  const answers: string[] = [];
  const ask = async (path: string) => {
    const answer = await call(service.url, path, { token });
    answers.push(`${path} ${answer.status} ${answer.text}`);
    return answer;
  };
  try {
    let outcomes = 0;
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await ask(`/v1/outcomes?limit=5${cursor && `&cursor=${cursor}`}`);
      if (page.status !== 200) throw new Error(`GET /v1/outcomes answered ${page.status}`);
      const body = page.json as { items: unknown[]; nextCursor: string | null };
      outcomes += body.items.length;
      cursor = body.nextCursor;
    }
    const statuses: Record<number, number> = {};
    for (const path of [
      ...jobIds.map((id) => `/v1/exports/${encodeURIComponent(id)}`),
      ...SERVICE_PAGES,
    ]) {
      const { status } = await ask(path);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    return { outcomes, statuses, answers: answers.join('\n'), log: service.logs() };
  } finally {
    await service.close();
  }
}
