import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, Mujiang, MujiangError } from '@mujiang/sdk';

export interface GuideAppOptions {
  /** The API, e.g. `http://127.0.0.1:3000` (`pnpm start`). */
  apiUrl: string;
  /** The brand's secret key (`sk_…`). It never leaves this backend: it only creates guides and mints their tokens. */
  secretKey: string;
  /** The store the guides' links send buyers to (it needs `settings.url`: the storefront's address). */
  storeId: string;
  /** Optional: a publishable key of that store, to offer its products to share (`GET /products`). */
  publishableKey?: string | undefined;
  /** Lifetime of the promoter tokens minted for the app, 60 s to 24 h. Default 1 h. */
  tokenTtlSeconds?: number;
  /** Guards the brand's own endpoints (`/brand/…`): your staff login goes here. */
  adminToken: string;
  /** Client options for tests (retries, fetch). */
  sdk?: { maxRetries?: number };
}

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'body_too_large', 'The body is too large.');
    chunks.push(chunk);
  }
  if (!size) return {};
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'invalid_json', 'The body must be a JSON object.');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

/**
 * The guide app's backend (导购 App 后端) on `node:http`:
 *
 * - the brand's side (`/brand/…`, guarded by your staff login) creates guides and mints their
 *   short-lived promoter tokens with the secret key;
 * - the guide's side (`/guide/…`, `Authorization: Bearer <promoter token>`) calls the API with
 *   that token only, so the API confines every call to that guide: its customers, its links, its
 *   orders, its commissions. (An app may also call the API directly with the token.)
 */
export function createGuideApp(options: GuideAppOptions): Server {
  const sdk = { baseUrl: options.apiUrl, maxRetries: options.sdk?.maxRetries ?? 2 };
  const brand = new Mujiang({ ...sdk, apiKey: options.secretKey });
  const storefront = options.publishableKey
    ? new Mujiang({ ...sdk, apiKey: options.publishableKey })
    : undefined;
  const ttl = options.tokenTtlSeconds ?? 3600;
  /** A client that carries the guide's promoter token and nothing else. */
  const asGuide = (token: string) => new Mujiang({ ...sdk, apiKey: token });

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (method === 'GET' && path === '/') {
      return [
        200,
        {
          name: '木匠 guide-app',
          brand: ['POST /brand/guides', 'POST /brand/guides/{promoter_id}/tokens'],
          guide: [
            'GET /guide/me',
            'GET /products',
            'POST /guide/customers',
            'GET /guide/customers',
            'POST /guide/links',
            'GET /guide/links',
            'GET /guide/orders',
            'GET /guide/commissions',
          ],
        },
      ];
    }

    // The brand's side: the secret key --------------------------------------------------------
    if (path.startsWith('/brand/')) {
      if (bearer(req) !== options.adminToken) {
        throw new HttpError(
          401,
          'unauthorized',
          'The brand endpoints need the admin token (your staff login).',
        );
      }
      if (method === 'POST' && path === '/brand/guides') {
        const body = await readJson(req);
        const name = str(body.name);
        if (!name) throw new HttpError(400, 'name_required', 'name is required.');
        const guide = await brand.promoters.create({
          kind: 'guide',
          name,
          ...(str(body.phone) ? { phone: str(body.phone)! } : {}),
          ...(str(body.external_id) ? { external_id: str(body.external_id)! } : {}),
        });
        return [201, guide];
      }
      const mint = /^\/brand\/guides\/([^/]+)\/tokens$/.exec(path);
      if (method === 'POST' && mint) {
        const token = await brand.promoters.createToken(decodeURIComponent(mint[1]!), { ttl_seconds: ttl });
        // Hand the token to the guide's app; it expires by itself (mint a new one at login).
        return [201, { promoter_id: token.promoter_id, token: token.token, expires_at: token.expires_at }];
      }
      throw new HttpError(404, 'not_found', `No route ${method} ${path}.`);
    }

    // Products to share: the storefront's own list (publishable key) -----------------------
    if (method === 'GET' && path === '/products') {
      if (!storefront) throw new HttpError(404, 'not_configured', 'Set a publishable key to list products.');
      const page = await storefront.storefront.products({
        limit: 20,
        ...(url.searchParams.get('q') ? { q: url.searchParams.get('q')! } : {}),
      });
      return [
        200,
        page.data.map((p) => ({ id: p.id, title: p.title, price_min: p.price_min, in_stock: p.in_stock })),
      ];
    }

    // The guide's side: its promoter token only ------------------------------------------------
    if (path.startsWith('/guide/')) {
      const token = bearer(req);
      if (!token)
        throw new HttpError(401, 'unauthorized', 'Send the promoter token: Authorization: Bearer prt_…');
      const guide = asGuide(token);

      if (method === 'GET' && path === '/guide/me') {
        const [me] = (await guide.promoters.list({ limit: 1 })).data; // a promoter token sees itself only
        return [200, me];
      }
      if (method === 'POST' && path === '/guide/customers') {
        const body = await readJson(req);
        const customerId = str(body.customer_id);
        if (customerId) {
          // An existing customer: bind explicitly (renews the period if already ours).
          const binding = await guide.customerBindings.create({ customer_id: customerId });
          return [201, { customer_id: customerId, binding }];
        }
        const phone = str(body.phone);
        if (!phone) throw new HttpError(400, 'phone_required', 'Send customer_id, or a phone (and a name).');
        // A new (or free) customer: creating it with a promoter token binds it to the guide.
        const customer = await guide.customers.create({
          phone,
          ...(str(body.name) ? { name: str(body.name)! } : {}),
        });
        const [binding] = (await guide.customerBindings.list({ customer_id: customer.id, limit: 1 })).data;
        return [201, { customer_id: customer.id, customer, binding }];
      }
      if (method === 'GET' && path === '/guide/customers') {
        return [200, (await guide.customers.list({ limit: 100 })).data];
      }
      if (method === 'POST' && path === '/guide/links') {
        const body = await readJson(req);
        const link = await guide.links.create({
          store_id: options.storeId,
          ...(str(body.product_id) ? { product_id: str(body.product_id)! } : {}),
          ...(str(body.campaign) ? { campaign: str(body.campaign)! } : {}),
        });
        // `<api>/r/{tenant_id}/{code}`, no key: post it in a WeChat chat or as a QR code. The API
        // gives share_url when it knows its public address (PUBLIC_URL); else the path on it.
        return [201, { ...link, share_url: link.share_url ?? `${options.apiUrl}${link.share_path}` }];
      }
      if (method === 'GET' && path === '/guide/links') {
        return [200, (await guide.links.list({ limit: 100 })).data];
      }
      if (method === 'GET' && path === '/guide/orders') {
        const orders = (await guide.orders.list({ limit: 100 })).data; // attributed to this guide only
        return [
          200,
          orders.map((o) => ({
            id: o.id,
            status: o.status,
            total: o.total,
            currency: o.currency,
            link_code: o.link_code,
            rule: o.attribution.rule,
            customer_id: o.customer_id,
            created_at: o.created_at,
          })),
        ];
      }
      if (method === 'GET' && path === '/guide/commissions') {
        // The guide's own ledger entries (a promoter token sees no one else's), with totals.
        const commissions = [];
        for await (const c of guide.commissions.list({ limit: 100 })) commissions.push(c);
        const totals = { pending: 0, confirmed: 0, settled: 0, reversed: 0 };
        for (const c of commissions) totals[c.status] += c.final_amount ?? c.amount;
        return [
          200,
          {
            totals,
            data: commissions.map((c) => ({
              id: c.id,
              status: c.status,
              order_id: c.order_id,
              line_amount: c.line_amount,
              amount: c.amount,
              final_amount: c.final_amount,
              currency: c.currency,
              confirm_after: c.confirm_after,
            })),
          },
        ];
      }
    }
    throw new HttpError(404, 'not_found', `No route ${method} ${path}.`);
  }

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    route(req, url)
      .then(([status, body]) => send(res, status, body))
      .catch((error: unknown) => {
        if (error instanceof HttpError)
          return send(res, error.status, { code: error.code, detail: error.message });
        if (error instanceof ApiError) {
          // The API's problem, passed on: 401 for an expired token, 404 for another guide's object, …
          return send(res, error.status, {
            code: error.code,
            detail: error.detail,
            errors: error.errors,
            request_id: error.requestId,
          });
        }
        const message = error instanceof MujiangError ? error.message : 'Internal error';
        if (!(error instanceof MujiangError)) console.error(error);
        return send(res, 502, { code: 'api_unavailable', detail: message });
      });
  });
}
