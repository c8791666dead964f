/** The ledger: one record for every job that ends, on the results queue (see `ledger.ts`). */
export {
  type LandingUpdate,
  Ledger,
  type LedgerOptions,
  type LedgerTotals,
  RECORD_NAMES,
  RECORD_STATES,
  type RecordKind,
  type RecordResult,
} from './ledger.ts';
export {
  matches,
  type OutcomeCursor,
  type OutcomeFilter,
  type OutcomePage,
  type PageOptions,
} from './reading.ts';
export {
  type Coverage,
  type InstanceSummary,
  instanceKey,
  SUMMARY_DAYS,
  type SummaryFilter,
} from './summary.ts';
