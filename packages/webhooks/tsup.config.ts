import { defineConfig } from 'tsup';

// ESM + CJS + type declarations. `index` has no Node imports (browsers, edge); `node` adds the
// synchronous node:crypto path.
export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
});
