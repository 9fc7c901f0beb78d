import { defineConfig } from 'vitest/config';

// Client behaviour against the real API (in-process, over HTTP on 127.0.0.1), unit tests of the
// transport, and the packed-tarball install test (which needs `dist/`: `pnpm test` builds first).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
