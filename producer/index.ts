/**
 * Public API of the producer side (`ncp-cache-export/producer`): enqueue exports, read their
 * outcomes, re-run failures, and take a snapshot of the system, from any Node program.
 */
export * from '../shared/ledger/index.ts';
export * from './producer.ts';
export * from './retry.ts';
export * from './status.ts';
