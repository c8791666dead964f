/**
 * A reader that goes away (`results | head -1`) closes the pipe under the command: the next
 * write fails with EPIPE. That is the reader's choice, not a failure: the command ends at once,
 * quietly, with exit code 0, as `cat` and `grep` do.
 */
export function endQuietlyOnClosedPipe(
  stream: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    exit(0);
  });
}
