import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGuideApp } from './app';

/**
 * `pnpm start`: the guide app's backend on http://127.0.0.1:3002, against the API at
 * MUJIANG_API_URL (default http://127.0.0.1:3000). Keys from MUJIANG_SECRET_KEY,
 * MUJIANG_PUBLISHABLE_KEY and MUJIANG_STORE_ID, or else the demo tenant that the API's
 * `pnpm start` saved in packages/api/.data (this repository).
 */
interface Demo {
  secret_key?: string;
  publishable_key?: string;
  store_id?: string;
}

function demoCredentials(): Demo {
  const dir = fileURLToPath(new URL('../../../packages/api/.data', import.meta.url));
  if (!existsSync(dir)) return {};
  const [file] = readdirSync(dir)
    .filter((f) => /^demo-.*\.json$/.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as Demo) : {};
}

const env = process.env;
const demo = env.MUJIANG_SECRET_KEY ? {} : demoCredentials();
const secretKey = env.MUJIANG_SECRET_KEY ?? demo.secret_key;
const storeId = env.MUJIANG_STORE_ID ?? demo.store_id;
if (!secretKey?.startsWith('sk_') || !storeId) {
  console.error('Set MUJIANG_SECRET_KEY (sk_…) and MUJIANG_STORE_ID, or run `npx -y pnpm@10 start` first.');
  process.exit(1);
}
if (!env.MUJIANG_SECRET_KEY) console.log('Using the demo tenant from packages/api/.data.');
const adminToken = env.GUIDE_APP_ADMIN_TOKEN ?? 'dev-admin-token';
const apiUrl = env.MUJIANG_API_URL ?? 'http://127.0.0.1:3000';

const server = createGuideApp({
  apiUrl,
  secretKey,
  storeId,
  publishableKey: env.MUJIANG_PUBLISHABLE_KEY ?? demo.publishable_key,
  adminToken,
  tokenTtlSeconds: env.TOKEN_TTL_SECONDS ? Number(env.TOKEN_TTL_SECONDS) : undefined,
});
server.listen(Number(env.PORT ?? 3002), env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`Guide app backend on http://${address}:${port} (API ${apiUrl}, store ${storeId})`);
  if (!env.GUIDE_APP_ADMIN_TOKEN) console.log(`Brand endpoints: Authorization: Bearer ${adminToken}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
