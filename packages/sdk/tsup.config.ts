import { defineConfig } from 'tsup';

// ESM + CJS + .d.ts for Node 20+, browsers and edge runtimes: platform-neutral, no Node built-ins,
// openapi-fetch left as a dependency. `webhooks` bundles the source of packages/webhooks (code and
// types), so the published package needs nothing unpublished.
export default defineConfig({
  entry: ['src/index.ts', 'src/webhooks.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  treeshake: true,
});
