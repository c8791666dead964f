const CR = '\r';

/**
 * Collects the text of one row, piece by piece, up to a byte limit. Past the limit it drops what
 * it holds and only counts, so an endless row costs no memory; `take()` then reports it.
 */
export class RowBuffer {
  readonly #maxBytes: number;
  #parts: string[] = [];
  #bytes = 0;
  #over = false;

  /** @param maxBytes the most UTF-8 bytes a row may have, line terminator not counted. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** True when nothing was appended since the last `take()`. */
  get empty(): boolean {
    return this.#bytes === 0;
  }

  append(text: string): void {
    if (text === '') return;
    this.#bytes += Buffer.byteLength(text, 'utf8');
    if (this.#over) return;
    // One byte of slack: a final carriage return may still be cut off by take().
    if (this.#bytes > this.#maxBytes + 1) {
      this.#over = true;
      this.#parts = [];
    } else {
      this.#parts.push(text);
    }
  }

  /**
   * The row collected so far, and a fresh start for the next one; `undefined` when the row is
   * longer than the limit. With `dropCr`, a final carriage return (of a CRLF line end) is removed
   * and not counted.
   */
  take(dropCr: boolean): string | undefined {
    let text = this.#over ? undefined : this.#parts.join('');
    let bytes = this.#bytes;
    this.#parts = [];
    this.#bytes = 0;
    this.#over = false;
    if (text === undefined) return undefined;
    if (dropCr && text.endsWith(CR)) {
      text = text.slice(0, -1);
      bytes--;
    }
    return bytes > this.#maxBytes ? undefined : text;
  }
}
