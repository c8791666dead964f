import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A bulk input that can be read more than once: first to validate it, then to enqueue it. */
export interface BulkSource {
  /** What to call the input in messages: the file path, or `<stdin>`. */
  readonly name: string;
  /** Reads the input from its start. A spooled input must be read to its end before the next. */
  open(): AsyncIterable<Buffer>;
  /** Removes the spool file, if any. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** Options of {@link openBulkSource}. */
export interface BulkSourceOptions {
  /**
   * Where to spool an input that cannot be re-opened.
   * @defaultValue `os.tmpdir()`
   */
  tempDir?: string;
}

/** Name of an input read from stdin. */
export const STDIN_NAME = '<stdin>';

/**
 * Opens a bulk input so that it can be read twice. A regular file is simply re-opened each time.
 * `-` means `stdin`, which, like a pipe given by path (`<(command)`), can be read only once: it is
 * copied to a private temp file while it is read the first time, later reads come from that file,
 * and `dispose()` removes it. Throws the file system's error when the file cannot be read.
 */
export async function openBulkSource(
  file: string,
  stdin: NodeJS.ReadableStream = process.stdin,
  options: BulkSourceOptions = {},
): Promise<BulkSource> {
  if (file === '-') return spooled(STDIN_NAME, () => stdin, options);
  const stats = await stat(file);
  if (stats.isDirectory()) throw new Error(`${file} is a directory, not a file`);
  if (!stats.isFile()) return spooled(file, () => createReadStream(file), options);
  // Fail now, not on the first read, when the file is not readable.
  await (await open(file, 'r')).close();
  return {
    name: file,
    open: () => readFile(file),
    dispose: async () => {},
  };
}

const WHY = {
  reading: 'its first read is still going on; read it to its end first',
  partial: 'its first read stopped before the end',
  disposed: 'it was disposed of',
} as const;

function spooled(
  name: string,
  source: () => AsyncIterable<Buffer | string>,
  options: BulkSourceOptions,
): BulkSource {
  let state: 'unread' | 'reading' | 'complete' | 'partial' | 'disposed' = 'unread';
  let dir: string | undefined;
  const spoolPath = async (): Promise<string> => {
    dir ??= await mkdtemp(join(options.tempDir ?? tmpdir(), 'ncp-cache-export-bulk-'));
    return join(dir, 'input');
  };

  async function* firstRead(): AsyncGenerator<Buffer> {
    const spool = await open(await spoolPath(), 'wx', 0o600);
    try {
      for await (const chunk of source()) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        await spool.write(bytes);
        yield bytes;
      }
      if (state === 'reading') state = 'complete';
    } finally {
      if (state === 'reading') state = 'partial';
      await spool.close();
    }
  }

  async function* laterRead(): AsyncGenerator<Buffer> {
    yield* readFile(await spoolPath());
  }

  return {
    name,
    open() {
      if (state === 'unread') {
        state = 'reading';
        return firstRead();
      }
      if (state === 'complete') return laterRead();
      throw new Error(`${name} cannot be read again: ${WHY[state]}`);
    },
    async dispose() {
      state = 'disposed';
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function* readFile(path: string): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path)) yield chunk;
}
