/** Runs the CLI in-process with captured output, as a user at a shell (not a terminal) would. */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  stderr.setEncoding('utf8').on('data', (text: string) => {
    err += text;
  });
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([stdin]), env });
  return { code, stdout: out, stderr: err };
}
