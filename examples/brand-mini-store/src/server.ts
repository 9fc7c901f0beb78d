import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMiniStore } from './app';

/**
 * `pnpm start`: the mini-store on http://127.0.0.1:3001, against the API at MUJIANG_API_URL
 * (default http://127.0.0.1:3000) with the publishable key MUJIANG_PUBLISHABLE_KEY. Without a key,
 * it uses the demo key that the API's `pnpm start` saved in packages/api/.data (this repository).
 */
function demoPublishableKey(): string | undefined {
  const dir = fileURLToPath(new URL('../../../packages/api/.data', import.meta.url));
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => /^demo-.*\.json$/.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of files) {
    const key = (JSON.parse(readFileSync(file, 'utf8')) as { publishable_key?: string }).publishable_key;
    if (key) return key;
  }
  return undefined;
}

const env = process.env;
const apiUrl = env.MUJIANG_API_URL ?? 'http://127.0.0.1:3000';
let publishableKey = env.MUJIANG_PUBLISHABLE_KEY;
if (!publishableKey) {
  publishableKey = demoPublishableKey();
  if (publishableKey) console.log('Using the demo publishable key from packages/api/.data.');
}
if (!publishableKey?.startsWith('pk_')) {
  console.error(
    'Set MUJIANG_PUBLISHABLE_KEY to a publishable key (pk_…), e.g. the one `npx -y pnpm@10 start` prints.',
  );
  process.exit(1);
}

const server = createMiniStore({
  apiUrl,
  publishableKey,
  pageSize: env.PAGE_SIZE ? Number(env.PAGE_SIZE) : undefined,
});
server.listen(Number(env.PORT ?? 3001), env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`Brand mini-store on http://${address}:${port} (API ${apiUrl})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
