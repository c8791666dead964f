/**
 * The page in a real browser: Debian's Chromium driven by playwright-core (which downloads no
 * browser) against a real `serve`, Redis, a worker and the NCP emulator. An operator signs in,
 * sees an export that failed while the emulator answered 503, retries it once the fault is
 * cleared, watches it succeed, searches an instance, and opens /ui; no request leaves the
 * machine. Screenshots go to test-artifacts/ (git-ignored).
 *
 * Without /usr/bin/chromium the test is skipped, with a message; under CI=true it fails
 * (.ci/run installs chromium).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TOKEN = 'browser-token-3f9a1c7e5b2d4a60';
const seed = generateSeed({ instances: 3, systemBackups: 2, apis: ['vredis'] });
const bucket = seed.buckets[0]!;
const [first, second] = seed.instances;
/** The older backup of the first instance: exported by hand while NCP answers 503. */
const failing = {
  api: 'vredis',
  instanceNo: first!.instanceNo,
  fileName: first!.backups.filter((b) => b.type === 'SYSTEM')[1]!.fileName,
  bucketName: bucket,
};
const failedId = `vredis~KR~${failing.instanceNo}~SYSTEM~${failing.fileName}~${bucket}`;

if (!haveChromium && !inCi) {
  console.warn(
    `browser test skipped: ${CHROMIUM} is missing (apt-get install chromium); CI=true fails instead`,
  );
}

describe.runIf(!haveChromium && inCi)('Chromium in CI', () => {
  it('is installed', () => {
    throw new Error(
      `${CHROMIUM} is missing: CI tests the page in Debian's Chromium (apt-get install chromium); .ci/run installs it when missing`,
    );
  });
});

describe.runIf(haveChromium)('the page in Chromium', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let service: TestService;
  let worker: ExportWorker;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  /** Console messages about a Content Security Policy violation: something from elsewhere was tried. */
  const violations: string[] = [];

  const shot = async (name: string) => {
    await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    setup = await startEmulatorPipeline('browser', { seed }, { maxAttempts: 1 });
    ({ emulator, pipeline } = setup);
    const env = setup.env;
    service = await startTestService({
      ...env,
      API_TOKEN: TOKEN,
      UI_ALLOW_RETRY: 'true',
      EXPORT_MAX_ATTEMPTS: '1',
    });
    worker = startInProcessWorker(pipeline);
    // A discovery exports the newest backup of each instance; then NCP answers 503 to one
    // export enqueued by hand, which fails for good (one attempt), and the fault is cleared.
    const discovery = await runCli(
      ['discover', '--api', 'vredis', '--bucket', bucket, '--no-wait'],
      env,
    );
    expect(discovery.code).toBe(0);
    await waitFor(
      'the discovery and its 3 exports',
      async () =>
        (await pipeline.producer.ledger.recentExportOutcomes(10)).length >= 3 &&
        (await pipeline.producer.ledger.recentDiscoveryOutcomes(1)).length === 1,
      60_000,
    );
    emulator.configure({ faults: { probability: { http503: 1 } } });
    const enqueued = await call(service.url, '/v1/exports', { token: TOKEN, body: failing });
    expect(enqueued.status).toBe(202);
    await waitFor(
      'the failure',
      async () => (await pipeline.producer.ledger.exportOutcome(failedId)) !== undefined,
      60_000,
    );
    emulator.configure({ faults: {} });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      // /ui asks for the token by HTTP Basic authentication; the page never does.
      httpCredentials: { username: 'ops', password: TOKEN },
    });
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await service?.close();
    await setup?.close();
  });

  it('signs in, shows the failure, retries it, and the re-run succeeds', async () => {
    await page.goto(`${service.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot('1-sign-in');
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${service.url}/`);
    const failures = page.locator('#failures');
    await expect.poll(() => failures.textContent(), { timeout: 20_000 }).toContain(failedId);
    expect(await failures.textContent()).toContain('server');
    expect(await page.locator('#runs').textContent()).toContain('3 enqueued');
    await shot('2-overview-failure');

    // The job id leads to the export's story: the attempt that failed, and its outcome.
    await failures.getByRole('link', { name: failedId }).click();
    await page.waitForURL(`${service.url}/exports/${encodeURIComponent(failedId)}`);
    const story = await page.locator('main').textContent();
    expect(story).toContain('Failed attempts');
    expect(story).toContain('HTTP 503');
    expect(story).toContain('server/');
    await shot('3-failed-story');
    await page.goBack();

    await failures.getByRole('button', { name: 'Retry these 1' }).click();
    await page.waitForURL(/\/\?retried=1&skipped=0#failures$/);
    expect(await page.locator('.notice').textContent()).toContain('Re-enqueued 1 export(s)');

    await page.goto(`${service.url}/exports/${encodeURIComponent(`${failedId}~r1`)}`);
    await waitFor(
      'the re-run to succeed',
      async () => {
        await page.reload();
        return (await page.locator('main').textContent())?.includes('succeeded') ?? false;
      },
      60_000,
    );
    expect(await page.locator('main').textContent()).toContain(failedId);
    await shot('4-export-story');
    await page.goto(`${service.url}/`);
    expect(await page.locator('#failures').textContent()).toContain('No failure.');
    await shot('5-overview');
  }, 120_000);

  it('searches an instance by number and by name', async () => {
    await page.goto(`${service.url}/instances`);
    await page.fill('input[name=q]', second!.instanceNo);
    await page.press('input[name=q]', 'Enter');
    await page.waitForURL(/\/instances\?q=/);
    const rows = page.locator('#coverage table tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain(second!.instanceNo);
    await page.fill('input[name=q]', second!.name);
    await page.press('input[name=q]', 'Enter');
    await expect
      .poll(() => page.locator('#coverage').textContent(), { timeout: 20_000 })
      .toContain(second!.instanceNo);
    await shot('6-search');
  }, 120_000);

  it('opens /ui for job internals, read-only, and no request leaves the machine', async () => {
    await page.goto(`${service.url}/ui`);
    await page.waitForSelector('text=cache-export-discovery', { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await shot('7-ui');
    const text = await page.locator('body').textContent();
    expect(text).not.toContain('cache-export-results');
    // An export's story links to its job here.
    await page.goto(`${service.url}/exports/${encodeURIComponent(failedId)}`);
    await page.getByRole('link', { name: 'this job in /ui' }).click();
    await page.waitForSelector(`text=${failedId}`, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await shot('8-ui-job');
    expect(requested.length).toBeGreaterThan(10);
    const outside = requested.filter(
      (url) => !url.startsWith(`${service.url}/`) && !url.startsWith('data:'),
    );
    expect(outside).toEqual([]);
    expect(violations).toEqual([]);
  }, 120_000);
});
