/**
 * A problem with a bulk input as a whole (its encoding, its CSV header, the structure of its
 * JSON array), found while reading it. Reading stops: nothing after this point can be trusted.
 * Problems confined to one row are not thrown; they come out of `readBulk` as row errors.
 *
 * `message` does not repeat the line; print it as `${file}:${line}: ${message}`.
 */
export class BulkFileError extends Error {
  override readonly name = 'BulkFileError';
  readonly code = 'ERR_BULK_FILE';
  /** 1-based line of the input where the problem is. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}
