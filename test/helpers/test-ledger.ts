/** A ledger of its own on the test Redis, for tests of the ledger itself. */
import { Redis } from 'ioredis';
import { Ledger, type LedgerOptions } from '../../shared/ledger/index.ts';
import { deletePrefix, testRedisConfig } from './redis.ts';

export interface TestLedger {
  ledger: Ledger;
  /** The ledger's connection, to look at its keys. */
  connection: Redis;
  /** The queue prefix the ledger's keys live under. */
  prefix: string;
  /** Closes the ledger and its connection and removes every key under the prefix. */
  close(): Promise<void>;
}

/** Opens a ledger under a fresh prefix labelled `label`. */
export function openTestLedger(label: string, policy: LedgerOptions['policy']): TestLedger {
  const redis = testRedisConfig(label);
  const connection = new Redis(redis.url);
  const ledger = new Ledger({ connection, prefix: redis.prefix, policy });
  return {
    ledger,
    connection,
    prefix: redis.prefix,
    close: async () => {
      await ledger.close();
      connection.disconnect();
      await deletePrefix(redis.url, redis.prefix);
    },
  };
}
