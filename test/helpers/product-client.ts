/** The product's NCP client pointed at an emulator, signing with the emulator's seed credentials. */
import { NcpClient } from '../../shared/ncp/index.ts';
import { DEFAULT_CREDENTIALS, type Emulator } from '../emulator/index.ts';

export function productClient(
  emulator: Pick<Emulator, 'url'>,
  options: { responseFormat: 'json' | 'xml'; maxResponseBytes: number },
): NcpClient {
  return new NcpClient({
    apiUrl: emulator.url,
    ...DEFAULT_CREDENTIALS,
    responseFormat: options.responseFormat,
    timeoutMs: 2000,
    maxResponseBytes: options.maxResponseBytes,
  });
}
