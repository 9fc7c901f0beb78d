import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The SDK from source, as tsconfig `paths` says (tsx honours those; vite needs the alias).
export default defineConfig({
  resolve: {
    alias: { '@mujiang/sdk': fileURLToPath(new URL('../../packages/sdk/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
