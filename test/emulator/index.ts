/**
 * NCP API gateway emulator for tests, benchmarks and the sandbox (`npm run sandbox`).
 */
export { EmulatorConfigError } from './config.ts';
export {
  DEFAULT_CREDENTIALS,
  type GenerateSeedOptions,
  generateSeed,
  loadSeed,
  parseSeed,
  type Seed,
  type SeedBackup,
  SeedError,
  type SeedInstance,
} from './seed.ts';
export { startEmulator } from './server.ts';
export { SERVICE_ERROR_CODES } from './service-errors.ts';
export { computeSignature } from './signature.ts';
export * from './types.ts';
