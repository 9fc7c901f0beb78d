import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, type Cart, Mujiang, MujiangError, type Order } from '@mujiang/sdk';
import type { Html } from './html';
import { type Theme, themeOf } from './theme';
import {
  CHECKOUT_FIELDS,
  type CheckoutField,
  type CheckoutValues,
  cartBody,
  checkoutBody,
  confirmationBody,
  errorBody,
  layout,
  productBody,
  productListBody,
} from './views';

export interface MiniStoreOptions {
  /** The API, e.g. `http://127.0.0.1:3000` (`pnpm start`). */
  apiUrl: string;
  /** A publishable key (`pk_…`): bound to one store, it can read the catalog and theme, and shop. */
  publishableKey: string;
  /** Products per page of the list (1–100). Default 12. */
  pageSize?: number;
  /** How long the store's theme is reused before it is read again. Default 10 s. */
  themeTtlMs?: number;
}

const CART_COOKIE = 'mj_cart';
/** The tracking link (推广位) the shopper arrived with (`?mj_link=` from the API's redirect). */
const LINK_COOKIE = 'mj_link';
const LINK_CODE = /^[A-Za-z0-9_-]{3,64}$/;
const ORDERS_COOKIE = 'mj_orders';
const MAX_BODY = 64 * 1024;

/** What a page handler returns: a page, a redirect, or plain text. */
type Outcome =
  | { page: Html; title: string; status?: number; q?: string | undefined; cookies?: string[] }
  | { redirect: string; cookies?: string[] }
  | { text: string; status?: number };

interface Ctx {
  req: IncomingMessage;
  url: URL;
  cookies: Map<string, string>;
  form: URLSearchParams;
  /** The tracking link code to attribute the order to: from this URL, else from the cookie. */
  linkCode: string | undefined;
  /** The shopper's active cart, when the cookie names one. */
  cart(): Promise<Cart | null>;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      try {
        out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
      } catch {
        // a malformed cookie is ignored
      }
    }
  }
  return out;
}

const cookie = (name: string, value: string, maxAgeSeconds: number) =>
  `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.method !== 'POST') return new URLSearchParams();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, '提交的内容过大');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Field errors of the API (`body.shipping_address.city`) as the form's fields (`city`). */
function formErrors(error: ApiError): Partial<Record<CheckoutField, string>> {
  const names = new Set<string>(CHECKOUT_FIELDS.map(([name]) => name));
  const out: Partial<Record<CheckoutField, string>> = {};
  for (const e of error.errors) {
    const leaf = e.field.split('.').pop() ?? '';
    if (names.has(leaf)) out[leaf as CheckoutField] ??= e.message;
  }
  return out;
}

/**
 * The mini-store: a small server that renders every page on the server from the storefront API,
 * with one publishable key. The shopper's cart id lives in a cookie; the API keeps the cart.
 */
export function createMiniStore(options: MiniStoreOptions): Server {
  const api = new Mujiang({
    baseUrl: options.apiUrl,
    apiKey: options.publishableKey,
    userAgent: 'brand-mini-store-example/0.1',
    timeoutMs: 15_000,
  });
  const pageSize = options.pageSize ?? 12;
  const themeTtl = options.themeTtlMs ?? 10_000;
  let themeCache: { theme: Theme; at: number } | undefined;
  /** Orders placed here, for their confirmation page (a demo keeps them in memory, bounded). */
  const placed = new Map<string, Order>();

  async function theme(): Promise<Theme> {
    if (themeCache && Date.now() - themeCache.at < themeTtl) return themeCache.theme;
    const t = themeOf(await api.storefront.store());
    themeCache = { theme: t, at: Date.now() };
    return t;
  }

  const routes: Array<[method: string, pattern: RegExp, handler: (c: Ctx, m: string[]) => Promise<Outcome>]> =
    [
      ['GET', /^\/$/, list],
      ['GET', /^\/products\/([^/]+)$/, product],
      ['POST', /^\/cart\/lines$/, addToCart],
      ['POST', /^\/cart\/lines\/([^/]+)\/update$/, updateLine],
      ['POST', /^\/cart\/lines\/([^/]+)\/remove$/, removeLine],
      ['GET', /^\/cart$/, showCart],
      ['GET', /^\/checkout$/, showCheckout],
      ['POST', /^\/checkout$/, checkout],
      ['GET', /^\/orders\/([^/]+)$/, confirmation],
      ['GET', /^\/healthz$/, async () => ({ text: 'ok' })],
    ];

  async function list(c: Ctx): Promise<Outcome> {
    const q = (c.url.searchParams.get('q') ?? '').trim().slice(0, 100);
    const after = c.url.searchParams.get('after') ?? undefined;
    const page = await api.storefront.products({
      limit: pageSize,
      ...(q ? { q } : {}),
      ...(after ? { starting_after: after } : {}),
    });
    return {
      title: q ? `搜索：${q}` : '全部商品',
      q,
      page: productListBody({
        products: page.data,
        q,
        nextCursor: page.has_more ? page.next_cursor : null,
        firstPage: !after,
      }),
    };
  }

  async function product(c: Ctx, [, id]: string[]): Promise<Outcome> {
    const p = await api.storefront.product(decodeURIComponent(id!));
    const wanted = c.url.searchParams.get('variant');
    const selected =
      p.variants.find((v) => v.id === wanted) ?? p.variants.find((v) => v.in_stock) ?? p.variants[0];
    if (!selected) throw new HttpError(404, '这件商品暂时无法购买');
    const error = c.url.searchParams.get('error');
    return { title: p.title, page: productBody(p, selected, error ?? undefined) };
  }

  async function addToCart(c: Ctx): Promise<Outcome> {
    const variantId = c.form.get('variant_id') ?? '';
    const productId = c.form.get('product_id') ?? '';
    const quantity = Math.max(1, Math.trunc(Number(c.form.get('quantity'))) || 1);
    const line = { variant_id: variantId, quantity };
    let cart = await c.cart();
    const cookies: string[] = [];
    try {
      if (cart) {
        try {
          cart = await api.carts.addLine(cart.id, line);
        } catch (error) {
          // The cart was checked out or expired meanwhile: start a new one.
          if (!(error instanceof ApiError && (error.status === 404 || error.status === 409))) throw error;
          cart = null;
        }
      }
      if (!cart) {
        // The promoter whose link brought the shopper here earns on the order (attribution).
        cart = await api.carts.create({ lines: [line], ...(c.linkCode ? { link_code: c.linkCode } : {}) });
        cookies.push(cookie(CART_COOKIE, cart.id, 7 * 24 * 3600));
      }
    } catch (error) {
      if (error instanceof ApiError && error.status < 500 && productId) {
        const back = new URLSearchParams({ variant: variantId, error: `加入购物车失败：${error.detail}` });
        return { redirect: `/products/${encodeURIComponent(productId)}?${back}` };
      }
      throw error;
    }
    return { redirect: '/cart?added=1', cookies };
  }

  async function changeLine(c: Ctx, variantId: string, quantity: number): Promise<Outcome> {
    const cart = await c.cart();
    if (cart) {
      try {
        if (quantity <= 0) await api.carts.removeLine(cart.id, variantId);
        else await api.carts.setLine(cart.id, variantId, quantity);
      } catch (error) {
        if (!(error instanceof ApiError && error.status < 500)) throw error;
        return { redirect: `/cart?${new URLSearchParams({ error: error.detail })}` };
      }
    }
    return { redirect: '/cart' };
  }

  function updateLine(c: Ctx, [, variantId]: string[]) {
    const quantity = Math.trunc(Number(c.form.get('quantity')));
    return changeLine(c, decodeURIComponent(variantId!), Number.isFinite(quantity) ? quantity : 1);
  }

  function removeLine(c: Ctx, [, variantId]: string[]) {
    return changeLine(c, decodeURIComponent(variantId!), 0);
  }

  async function showCart(c: Ctx): Promise<Outcome> {
    const notice =
      c.url.searchParams.get('error') ?? (c.url.searchParams.get('added') ? '已加入购物车' : undefined);
    return { title: '购物车', page: cartBody(await c.cart(), notice) };
  }

  async function showCheckout(c: Ctx): Promise<Outcome> {
    const cart = await c.cart();
    if (!cart || cart.lines.length === 0) return { redirect: '/cart' };
    const a = cart.shipping_address;
    const values: CheckoutValues = {
      email: cart.email ?? '',
      phone: cart.phone ?? a?.phone ?? '',
      name: a?.name ?? '',
      province: a?.province ?? '',
      city: a?.city ?? '',
      district: a?.district ?? '',
      line1: a?.line1 ?? '',
      postal_code: a?.postal_code ?? '',
    };
    return { title: '结算', page: checkoutBody(cart, values, {}) };
  }

  async function checkout(c: Ctx): Promise<Outcome> {
    const cart = await c.cart();
    if (!cart || cart.lines.length === 0) return { redirect: '/cart' };
    const values = Object.fromEntries(
      CHECKOUT_FIELDS.map(([name]) => [name, (c.form.get(name) ?? '').trim()]),
    ) as Required<CheckoutValues>;
    const missing: Partial<Record<CheckoutField, string>> = {};
    for (const [name, , , required] of CHECKOUT_FIELDS) if (required && !values[name]) missing[name] = '必填';
    if (Object.keys(missing).length) {
      return { status: 400, title: '结算', page: checkoutBody(cart, values, missing, '请填写收货信息。') };
    }
    const optional = (v: string) => (v ? v : undefined);
    let order: Order;
    try {
      order = await api.carts.checkout(cart.id, {
        email: optional(values.email),
        phone: values.phone,
        shipping_address: {
          name: values.name,
          phone: values.phone,
          province: values.province,
          city: values.city,
          district: optional(values.district),
          line1: values.line1,
          postal_code: optional(values.postal_code),
        },
      });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      const notice =
        error.code === 'insufficient_stock'
          ? `库存不足：${error.detail} 请调整购物车中的数量。`
          : `无法提交订单：${error.detail}`;
      return {
        status: error.status,
        title: '结算',
        page: checkoutBody(cart, values, formErrors(error), notice),
      };
    }
    placed.set(order.id, order);
    if (placed.size > 1000) placed.delete(placed.keys().next().value!);
    // Only this browser may see the confirmation (it has the shipping address on it).
    const mine = [order.id, ...(c.cookies.get(ORDERS_COOKIE)?.split(',') ?? [])].slice(0, 10).join(',');
    return {
      redirect: `/orders/${encodeURIComponent(order.id)}`,
      cookies: [cookie(CART_COOKIE, '', 0), cookie(ORDERS_COOKIE, mine, 30 * 24 * 3600)],
    };
  }

  async function confirmation(c: Ctx, [, rawId]: string[]): Promise<Outcome> {
    const id = decodeURIComponent(rawId!);
    if (!(c.cookies.get(ORDERS_COOKIE)?.split(',') ?? []).includes(id)) {
      throw new HttpError(404, '找不到这个订单');
    }
    return { title: '下单成功', page: confirmationBody(id, placed.get(id)) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cookies = parseCookies(req.headers.cookie);
    const linkInUrl = url.searchParams.get('mj_link') ?? undefined;
    const arrivedByLink = linkInUrl && LINK_CODE.test(linkInUrl) ? linkInUrl : undefined;
    const storedLink = cookies.get(LINK_COOKIE);
    // Remembered for a week, so a shopper who comes back later still credits the link.
    const linkCookie = arrivedByLink ? [cookie(LINK_COOKIE, arrivedByLink, 7 * 24 * 3600)] : [];
    let cartPromise: Promise<Cart | null> | undefined;
    const ctx: Ctx = {
      req,
      url,
      cookies,
      form: new URLSearchParams(),
      linkCode: arrivedByLink ?? (storedLink && LINK_CODE.test(storedLink) ? storedLink : undefined),
      cart: () => {
        cartPromise ??= (async () => {
          const id = cookies.get(CART_COOKIE);
          if (!id) return null;
          try {
            const cart = await api.carts.retrieve(id);
            return cart.status === 'active' ? cart : null;
          } catch (error) {
            if (error instanceof ApiError && error.status < 500) return null;
            throw error;
          }
        })();
        return cartPromise;
      },
    };
    const send = (status: number, headers: Record<string, string | string[]>, body: string) => {
      res.writeHead(status, { 'x-content-type-options': 'nosniff', ...headers });
      res.end(body);
    };
    const sendPage = async (
      status: number,
      title: string,
      page: Html,
      q?: string,
      setCookies: string[] = [],
    ) => {
      const t = await theme();
      // The header shows how many items are in the cart (one more read of the cart).
      const cart = await ctx.cart().catch(() => null);
      const count = cart?.lines.reduce((n, l) => n + l.quantity, 0);
      send(
        status,
        {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          ...(setCookies.length ? { 'set-cookie': setCookies } : {}),
        },
        layout(t, { title, body: page, q, cartCount: count }),
      );
    };

    try {
      const route = routes.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
      if (!route) {
        const known = routes.some(([, pattern]) => pattern.test(url.pathname));
        throw new HttpError(known ? 405 : 404, known ? '不支持的请求' : '页面不存在');
      }
      ctx.form = await readForm(req);
      const outcome = await route[2](ctx, route[1].exec(url.pathname)!);
      if ('redirect' in outcome) {
        send(
          303,
          { location: outcome.redirect, 'set-cookie': [...linkCookie, ...(outcome.cookies ?? [])] },
          '',
        );
      } else if ('text' in outcome) {
        send(outcome.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' }, outcome.text);
      } else {
        await sendPage(outcome.status ?? 200, outcome.title, outcome.page, outcome.q, [
          ...linkCookie,
          ...(outcome.cookies ?? []),
        ]);
      }
    } catch (error) {
      let status = 500;
      let title = '出错了';
      let detail = '请稍后再试。';
      let requestId: string | undefined;
      if (error instanceof HttpError) {
        status = error.status;
        title = status === 404 ? '没有找到' : '出错了';
        detail = error.message;
      } else if (error instanceof ApiError) {
        status = error.status === 404 ? 404 : error.status < 500 ? error.status : 502;
        title = status === 404 ? '没有找到' : '出错了';
        detail = error.status === 404 ? '这件商品不存在或已下架。' : error.detail;
        requestId = error.requestId;
      } else if (error instanceof MujiangError) {
        status = 502;
        detail = '暂时连不上商店服务，请稍后再试。';
      }
      if (status >= 500) console.error(error);
      try {
        await sendPage(status, title, errorBody(title, detail, requestId));
      } catch {
        // The theme cannot be read either (the API is down): a plain page.
        if (!res.headersSent)
          send(status, { 'content-type': 'text/plain; charset=utf-8' }, `${title}: ${detail}`);
      }
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
