import { defineConfig } from 'vitest/config';

// Tests run on embedded PGlite by default and on a real PostgreSQL when TEST_DATABASE_URL is set
// (a fresh database per run, created by the global setup).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
