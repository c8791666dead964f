import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: minutes-long reliability scenarios, one at a time (see docs/reliability.md). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
