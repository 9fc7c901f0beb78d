import { defineConfig } from 'tsup';

// A plain-Node build of the server for production and benchmarks: no TypeScript transpiler in
// the process (tsx adds memory and start-up time). Third-party dependencies stay external.
export default defineConfig({
  entry: ['src/server.ts', 'src/migrate.ts', 'src/worker.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  sourcemap: true,
  clean: true,
  splitting: true,
  // The workspace's own packages export TypeScript source: bundle them into the build.
  noExternal: [/^@mujiang\//],
});
