import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mujiang } from '@mujiang/sdk';
import { createLinks, ensureAffiliate, registerWebhook } from './affiliate';
import { createCpsShop } from './app';
import { ShopStore } from './store';

const USAGE = `cps-union-shop: an affiliate's (CPS 推手) shop on the 木匠 API.

Usage:
  cps-union-shop serve                   the receiver and earnings page (registers the webhook endpoint once)
  cps-union-shop links [product_id …]    tracking links for these products (default: 3 published products)

Environment:
  MUJIANG_API_URL     the API (default http://127.0.0.1:3000)
  MUJIANG_SECRET_KEY  the tenant's secret key (default: the demo key \`pnpm start\` saved)
  MUJIANG_STORE_ID    the store links send buyers to (default: the demo store)
  PORT / HOST         where the shop listens (default 3003 / 127.0.0.1)
  PUBLIC_URL          the shop's address as the API reaches it (default http://127.0.0.1:<PORT>)
  DATA_FILE           the shop's JSON store (default .data/cps-shop.json)`;

interface Demo {
  secret_key?: string;
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

async function main(argv: string[]) {
  const [command = 'serve', ...rest] = argv;
  const env = process.env;
  const demo = env.MUJIANG_SECRET_KEY ? {} : demoCredentials();
  const secretKey = env.MUJIANG_SECRET_KEY ?? demo.secret_key;
  const storeId = env.MUJIANG_STORE_ID ?? demo.store_id;
  if (!secretKey?.startsWith('sk_') || !storeId || !['serve', 'links'].includes(command)) {
    console.error(USAGE);
    return 1;
  }
  const client = new Mujiang({ baseUrl: env.MUJIANG_API_URL ?? 'http://127.0.0.1:3000', apiKey: secretKey });
  const store = new ShopStore(
    env.DATA_FILE ?? fileURLToPath(new URL('../.data/cps-shop.json', import.meta.url)),
  );
  const promoterId = await ensureAffiliate(client, store);

  if (command === 'links') {
    const productIds = rest.length
      ? rest
      : (await client.products.list({ status: 'published', limit: 3 })).data.map((p) => p.id);
    for (const link of await createLinks(client, promoterId, { storeId, productIds, campaign: 'cps' })) {
      console.log(`${link.product_id}  ${link.share_url ?? `${client.options.baseUrl}${link.share_path}`}`);
    }
    return 0;
  }

  const port = Number(env.PORT ?? 3003);
  const host = env.HOST ?? '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL ?? `http://${host}:${port}`).replace(/\/$/, '');
  const endpoint = await registerWebhook(client, store, `${publicUrl}/webhooks`);
  const server = createCpsShop({ store, client });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { address } = server.address() as AddressInfo;
  console.log(`CPS union shop on http://${address}:${port} for affiliate ${promoterId}`);
  console.log(`Webhook endpoint ${endpoint.id} → ${publicUrl}/webhooks (${store.file})`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
