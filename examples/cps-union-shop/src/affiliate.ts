import type { Link, Mujiang } from '@mujiang/sdk';
import type { ShopStore } from './store';

/** The events the shop keeps: the affiliate's commissions and the settlements that pay it. */
export const EVENTS = ['commission.*', 'settlement.*'];

/** The affiliate (推手) the shop earns for: created once (kind `affiliate`), kept in the store. */
export async function ensureAffiliate(
  client: Mujiang,
  store: ShopStore,
  name = 'CPS 联盟推手',
): Promise<string> {
  const known = store.current.promoter_id;
  if (known) return known;
  const promoter = await client.promoters.create({ kind: 'affiliate', name });
  await store.update((s) => {
    s.promoter_id = promoter.id;
  });
  return promoter.id;
}

/**
 * Registers the shop's webhook endpoint for `commission.*` and `settlement.*` and keeps its
 * signing secret (the API shows it only once). Registered already at this URL: kept as it is.
 */
export async function registerWebhook(client: Mujiang, store: ShopStore, url: string) {
  const known = store.current.webhook;
  if (known?.url === url) {
    const endpoint = await client.webhookEndpoints.retrieve(known.endpoint_id).catch(() => null);
    if (endpoint?.enabled) return endpoint;
  }
  const endpoint = await client.webhookEndpoints.create({
    url,
    enabled_events: EVENTS,
    description: 'cps-union-shop: commission and settlement events',
  });
  await store.update((s) => {
    s.webhook = { endpoint_id: endpoint.id, secret: endpoint.secret, url };
  });
  return endpoint;
}

/**
 * Tracking links (推广位) for several products, created by the affiliate itself: the shop mints
 * a short-lived promoter token with the secret key and creates the links with that token only.
 */
export async function createLinks(
  client: Mujiang,
  promoterId: string,
  input: { storeId: string; productIds: string[]; campaign?: string },
): Promise<Link[]> {
  const { token } = await client.promoters.createToken(promoterId, { ttl_seconds: 300 });
  const affiliate = client.withOptions({ apiKey: token });
  const links: Link[] = [];
  for (const productId of input.productIds) {
    links.push(
      await affiliate.links.create({
        store_id: input.storeId,
        product_id: productId,
        ...(input.campaign ? { campaign: input.campaign } : {}),
      }),
    );
  }
  return links;
}
