/**
 * The deployment files: docker-compose.yml validated and read back by docker-compose itself
 * (`config` needs no Docker engine), and the Dockerfile's promises checked as text (building
 * it needs an engine, which tests do not have).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadLandingConfig,
  loadNcpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = spawnSync('docker-compose', ['--version'], { encoding: 'utf8' });
const hasCompose = compose.status === 0;

function composeRun(args: string[]) {
  return spawnSync('docker-compose', args, {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

interface Service {
  image?: string;
  build?: { target?: string };
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  secrets?: { source: string }[];
  deploy?: { replicas?: number };
  restart?: string;
  healthcheck?: { test?: string[] };
  volumes?: string[];
}

let services: Record<string, Service> | undefined;

/**
 * The resolved file, as docker-compose reads it: JSON from Compose v2 (`--format json`), or
 * from Compose v1's YAML through the PyYAML it runs on.
 */
function resolved(): Record<string, Service> {
  if (services) return services;
  let json: string;
  if (/version v?[2-9]\./i.test(compose.stdout)) {
    const config = composeRun(['config', '--format', 'json']);
    expect(config.status).toBe(0);
    json = config.stdout;
  } else {
    const config = composeRun(['config']);
    expect(config.status).toBe(0);
    const converted = spawnSync(
      'python3',
      ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
      { input: config.stdout, encoding: 'utf8' },
    );
    expect(converted.status).toBe(0);
    json = converted.stdout;
  }
  services = (JSON.parse(json) as { services: Record<string, Service> }).services;
  return services;
}

describe.skipIf(!hasCompose)(
  hasCompose
    ? `docker-compose.yml (${compose.stdout.trim()})`
    : 'docker-compose.yml: SKIPPED, no docker-compose binary (.ci/run installs it)',
  () => {
    it.each([[[]], [['--profile', 'demo']]])('is valid with profiles %j', (profiles) => {
      const run = composeRun([...profiles, 'config', '-q']);
      expect([run.status, run.stderr]).toEqual([0, '']);
    });

    it('runs Redis with AOF and noeviction, two workers, the HTTP service and the demo', () => {
      const services = resolved();
      expect(Object.keys(services).sort()).toEqual([
        'demo-enqueue',
        'demo-serve',
        'demo-worker',
        'emulator',
        'redis',
        'serve',
        'worker',
      ]);
      const redis = services.redis!;
      expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
      const policy = redis.command!.indexOf('--maxmemory-policy');
      expect(redis.command![policy + 1]).toBe('noeviction');
      expect(redis.volumes?.[0]).toMatch(/:\/data(:rw)?$/);

      for (const name of ['worker', 'demo-worker']) {
        expect(services[name]).toMatchObject({ command: ['worker'], deploy: { replicas: 2 } });
      }
      for (const name of ['serve', 'demo-serve'])
        expect(services[name]?.command).toEqual(['serve']);
      expect(services['demo-enqueue']?.command).toEqual(['bulk', '/demo/exports.csv']);
      // One image for worker, serve and CLI.
      for (const name of ['worker', 'serve', 'demo-worker', 'demo-serve', 'demo-enqueue']) {
        expect(services[name]).toMatchObject({
          image: 'ncp-cache-export:latest',
          build: { target: 'runtime' },
        });
      }
      for (const name of ['emulator', 'demo-worker', 'demo-serve', 'demo-enqueue']) {
        expect(services[name]?.profiles).toEqual(['demo']);
      }
      for (const name of ['worker', 'serve']) expect(services[name]?.profiles).toEqual(['ncp']);

      for (const [name, service] of Object.entries(services)) {
        expect(service.restart, name).toMatch(/^(unless-stopped|on-failure)$/);
        // Every long-running service says whether it is healthy; the one-shot job exits.
        if (name !== 'demo-enqueue') expect(service.healthcheck?.test?.[0], name).toBe('CMD');
      }
    });

    it("gives the demo's services a configuration they start with", () => {
      const services = resolved();
      const worker = services['demo-worker']?.environment ?? {};
      // The settings a worker reads at start (its NCP keys are the emulator's, in the file).
      expect(loadNcpConfig(worker).apiUrl).toBe('http://emulator:8080');
      expect(loadWorkerConfig(worker).rateLimit).toBe(10);
      expect(loadLandingConfig(worker)?.storageUrl).toBe('http://emulator:8081');
      expect(loadRedisConfig(services['demo-serve']?.environment ?? {}).url).toMatch(/^redis:/);
    });

    it('takes production secrets from files, never from the file itself', () => {
      const services = resolved();
      expect(services.worker?.environment).toMatchObject({
        NCP_ACCESS_KEY_FILE: '/run/secrets/ncp_access_key',
        NCP_SECRET_KEY_FILE: '/run/secrets/ncp_secret_key',
      });
      expect(services.worker?.secrets?.map((s) => s.source).sort()).toEqual([
        'ncp_access_key',
        'ncp_secret_key',
      ]);
      expect(services.serve?.environment?.API_TOKEN_FILE).toBe('/run/secrets/api_token');
      expect(services.serve?.secrets?.map((s) => s.source)).toEqual(['api_token']);
      for (const name of ['worker', 'serve']) {
        const env = services[name]?.environment ?? {};
        for (const secret of ['NCP_ACCESS_KEY', 'NCP_SECRET_KEY', 'API_TOKEN', 'REDIS_PASSWORD']) {
          expect(env[secret], `${name} ${secret}`).toBeUndefined();
        }
      }
    });
  },
);

describe('Dockerfile', () => {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.find((stage) => /^\S+ AS runtime$/m.test(stage)) ?? '';

  it('builds in one stage and runs a pruned, non-root image in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(runtime).toMatch(/^node:24-(slim|alpine)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/ncp-cache-export"\]$/m);
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  it('puts nothing secret into the image', () => {
    expect(dockerfile).not.toMatch(/secrets|API_TOKEN|NCP_SECRET_KEY|NCP_ACCESS_KEY|\.env/);
    const ignored = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8').split(
      '\n',
    );
    expect(ignored).toEqual(expect.arrayContaining(['secrets', '.env*']));
  });
});
