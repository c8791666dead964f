/**
 * The set-up of the page tests without a browser: a pipeline holding the page's fixture
 * records (`recordPageFixtures`), the HTTP service on it with a token and retries allowed, and
 * a page client signed with that token.
 */
import { startTestService, type TestService } from './http-service.ts';
import { pageClient, recordPageFixtures } from './page-client.ts';
import { openPipeline, type Pipeline } from './pipeline.ts';

/** The service's API token. */
export const PAGE_TOKEN = 'page-token-7c1e9a4b2d6f8e03';

export interface PageService {
  pipeline: Pipeline;
  service: TestService;
  client: ReturnType<typeof pageClient>;
  /** Closes the service, then removes the pipeline's Redis keys. */
  close(): Promise<void>;
}

/** Starts the page's service on a fresh pipeline labelled `label` (no NCP behind it). */
export async function startPageService(label: string): Promise<PageService> {
  const pipeline = await openPipeline(label, { url: 'http://127.0.0.1:9' });
  let service: TestService;
  try {
    await recordPageFixtures(pipeline.producer.ledger);
    service = await startTestService({
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      API_TOKEN: PAGE_TOKEN,
      UI_ALLOW_RETRY: 'true',
    });
  } catch (error) {
    await pipeline.cleanup();
    throw error;
  }
  return {
    pipeline,
    service,
    client: pageClient(service.url, PAGE_TOKEN),
    close: async () => {
      try {
        await service.close();
      } finally {
        await pipeline.cleanup();
      }
    },
  };
}
