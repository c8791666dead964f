import { BulkFileError } from './errors.ts';

const NEWLINE = 0x0a;

/**
 * Decodes a byte stream as UTF-8 without ever holding more than one chunk, dropping a leading
 * byte order mark. String chunks are taken as already decoded text and re-encoded first.
 *
 * Invalid UTF-8 throws a {@link BulkFileError} naming the line of the first bad byte. To know
 * that line, each chunk is fed to one fatal streaming decoder line by line: a newline byte never
 * occurs inside a multi-byte character, so the piece that fails holds the bad byte.
 */
export async function* decodeUtf8(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new BulkFileError(line, 'input is not valid UTF-8; save the file as UTF-8');
    }
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const parts: string[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline === -1 ? bytes.length : newline + 1;
      parts.push(decode(bytes.subarray(start, end), true));
      if (newline !== -1) line++;
      start = end;
    }
    const text = parts.join('');
    if (text !== '') yield text;
  }
  // Flushing throws when the input ends inside a multi-byte character.
  decode(new Uint8Array(0), false);
}
