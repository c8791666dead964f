import { printable } from './printable.ts';

/**
 * A problem with a bulk input as a whole (its encoding, its CSV header, the structure of its
 * JSON array), found while reading it. Reading stops: nothing after this point can be trusted.
 * Problems confined to one row are not thrown; they come out of `readBulk` as row errors.
 *
 * `message` is `line N: reason`, whole on its own; to name the file too, print
 * `${file}:${error.line}: ${error.reason}`.
 */
export class BulkFileError extends Error {
  override readonly name = 'BulkFileError';
  readonly code = 'ERR_BULK_FILE';
  /** 1-based line of the input where the problem is. */
  readonly line: number;
  /** What is wrong, without the line. */
  readonly reason: string;

  constructor(line: number, reason: string) {
    const shown = printable(reason);
    super(`line ${line}: ${shown}`);
    this.line = line;
    this.reason = shown;
  }
}
