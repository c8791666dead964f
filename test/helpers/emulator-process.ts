/**
 * The emulator in a process of its own (the sandbox CLI), for load tests: NCP is another
 * machine, and its clock for "calls per second" must not share an event loop with the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorPatch, EmulatorStats, Seed } from '../emulator/index.ts';

const MAIN = fileURLToPath(new URL('../emulator/main.ts', import.meta.url));

export interface EmulatorProcess {
  url: string;
  stats(): Promise<EmulatorStats>;
  configure(patch: EmulatorPatch): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulatorProcess(
  seed: Seed,
  args: string[] = [],
): Promise<EmulatorProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-emulator-'));
  const seedPath = join(dir, 'seed.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  const child: ChildProcess = spawn(
    process.execPath,
    [MAIN, '--port', '0', '--seed', seedPath, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
  });
  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}/__admin/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`emulator admin ${path}: HTTP ${response.status}`);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    url,
    stats: async () => (await admin('stats')) as EmulatorStats,
    configure: async (patch) => {
      await admin('config', patch);
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
