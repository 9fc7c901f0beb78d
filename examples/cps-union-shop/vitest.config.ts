import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sdk = (file: string) => fileURLToPath(new URL(`../../packages/sdk/src/${file}`, import.meta.url));

// The SDK from source, as tsconfig `paths` says (tsx honours those; vite needs the aliases).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@mujiang\/sdk\/webhooks$/, replacement: sdk('webhooks.ts') },
      { find: /^@mujiang\/sdk$/, replacement: sdk('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
