import { CsvQuotes } from './csv-quotes.ts';
import { RowBuffer } from './row-buffer.ts';

const NEWLINE = 0x0a;

/** One record cut out of the text, by the line it starts on. */
export type SplitRecord =
  | { line: number; kind: 'text'; text: string }
  /** Longer than the byte limit; its text was dropped. */
  | { line: number; kind: 'too-long' }
  /** CSV only: the input ended inside a quoted cell opened in this record. */
  | { line: number; kind: 'unclosed-quote' };

/**
 * Cuts decoded text into records at line ends (LF or CRLF; the line end is not part of the
 * record), counting lines. With `quotes` (CSV), a line end inside a quoted cell belongs to the
 * record (see {@link CsvQuotes}). Blank records are passed on too; skipping them is the caller's.
 */
export class LineSplitter {
  readonly #quotes: CsvQuotes | undefined;
  readonly #buffer: RowBuffer;
  #line = 1;
  #start = 1;

  constructor(options: { maxRowBytes: number; quotes: boolean }) {
    this.#quotes = options.quotes ? new CsvQuotes() : undefined;
    this.#buffer = new RowBuffer(options.maxRowBytes);
  }

  /** The records that `chunk` completes; the rest is kept for the next chunk. */
  *push(chunk: string): Generator<SplitRecord> {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      if (code === NEWLINE) this.#line++;
      const quoted = this.#quotes?.inside(code) ?? false;
      if (code !== NEWLINE || quoted) continue;
      this.#buffer.append(chunk.slice(from, i));
      yield this.#take();
      from = i + 1;
      this.#start = this.#line;
    }
    this.#buffer.append(chunk.slice(from));
  }

  /** The last record, when the input does not end with a line end. */
  *end(): Generator<SplitRecord> {
    if (this.#quotes?.open) {
      yield { line: this.#start, kind: 'unclosed-quote' };
    } else if (!this.#buffer.empty) {
      yield this.#take();
    }
  }

  #take(): SplitRecord {
    const text = this.#buffer.take(true);
    return text === undefined
      ? { line: this.#start, kind: 'too-long' }
      : { line: this.#start, kind: 'text', text };
  }
}

/** Cuts a stream of decoded text into records; see {@link LineSplitter}. */
export async function* splitLines(
  text: AsyncIterable<string>,
  options: { maxRowBytes: number; quotes: boolean },
): AsyncGenerator<SplitRecord> {
  const splitter = new LineSplitter(options);
  for await (const chunk of text) yield* splitter.push(chunk);
  yield* splitter.end();
}
