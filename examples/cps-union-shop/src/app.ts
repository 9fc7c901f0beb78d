import { createServer, type Server } from 'node:http';
import type { Mujiang } from '@mujiang/sdk';
import { earningsPage, type LinkRow } from './page';
import { handleWebhook } from './receiver';
import { earningsOf, type ShopStore } from './store';

export interface CpsShopOptions {
  store: ShopStore;
  /** The API with the tenant's secret key. */
  client: Mujiang;
  /** The time webhook signatures are checked against (default: now). */
  now?: () => Date;
}

/**
 * The shop's server (`node:http`): `POST /webhooks` (the receiver), `GET /` (the earnings page,
 * server-rendered), `GET /earnings.json` (the same totals as JSON).
 */
export function createCpsShop(options: CpsShopOptions): Server {
  const { store, client } = options;

  async function links(): Promise<LinkRow[] | null> {
    const promoterId = store.current.promoter_id;
    if (!promoterId) return [];
    try {
      const page = await client.links.list({ promoter_id: promoterId, limit: 100 });
      // share_url is absolute when the API knows its public URL (PUBLIC_URL); else the path on it.
      return page.data.map((l) => ({
        ...l,
        share_url: l.share_url ?? `${client.options.baseUrl}${l.share_path}`,
      }));
    } catch {
      return null;
    }
  }

  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const run = async () => {
      if (req.method === 'POST' && path === '/webhooks') return handleWebhook(req, res, options);
      if (req.method === 'GET' && path === '/') {
        const html = earningsPage(store.current, earningsOf(store.current), await links());
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return res.end(html);
      }
      if (req.method === 'GET' && path === '/earnings.json') {
        const s = store.current;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            promoter_id: s.promoter_id,
            earnings: earningsOf(s),
            settlements: Object.values(s.settlements),
          }),
        );
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    };
    run().catch((error: unknown) => {
      // The API unreachable while reading a settlement, a disk error: 503, the API retries later.
      console.error(error);
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'try_again_later' }));
    });
  });
}
