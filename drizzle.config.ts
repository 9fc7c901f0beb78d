import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the module tables; `pnpm db:generate` after changing a tables.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/api/src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
});
