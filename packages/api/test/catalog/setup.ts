import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client';
import { withTenant } from '../../src/db/tenancy';
import { createTestTenant, expectStatus, PLATFORM_TOKEN, type TestApp, type TestTenant } from '../helpers';

/** A tenant with a default supplier, a brand store, and keys of every kind. */
export interface CatalogTenant extends TestTenant {
  supplierId: string;
  storeId: string;
  publishableKey: string;
  supplierKey: string;
}

export async function catalogTenant(t: TestApp, settings?: Record<string, unknown>): Promise<CatalogTenant> {
  const tenant = settings
    ? await (async () => {
        const res = await t.request({
          method: 'POST',
          url: '/v1/tenants',
          key: PLATFORM_TOKEN,
          body: { name: 'Tenant with settings', settings },
        });
        expectStatus(res, 201);
        return { id: res.body.id as string, secretKey: res.body.api_key.secret as string };
      })()
    : await createTestTenant(t);
  const post = async (url: string, body: unknown) => {
    const res = await t.request({ method: 'POST', url, key: tenant.secretKey, body });
    expectStatus(res, 201);
    return res.body;
  };
  const supplier = await post('/v1/suppliers', { name: '品牌方' });
  const store = await post('/v1/stores', { kind: 'brand', name: '旗舰店' });
  const publishable = await post('/v1/api_keys', { kind: 'publishable', store_id: store.id });
  const supplierKey = await post('/v1/api_keys', { kind: 'supplier', supplier_id: supplier.id });
  return {
    ...tenant,
    supplierId: supplier.id,
    storeId: store.id,
    publishableKey: publishable.secret,
    supplierKey: supplierKey.secret,
  };
}

let skuCounter = 0;
/** A SKU code no other test uses. */
export const sku = (prefix = 'SKU') => `${prefix}-${process.pid}-${++skuCounter}`;

/** A product body with one variant per colour. */
export function productBody(
  title: string,
  overrides: Record<string, unknown> = {},
  colours = ['红色', '蓝色'],
) {
  return {
    title,
    variants: colours.map((c) => ({
      sku: sku(),
      list_price: 19900,
      supply_price: 9900,
      retail_floor: 15900,
      retail_ceiling: 25900,
      options: [{ name: '颜色', value: c }],
    })),
    ...overrides,
  };
}

export async function createProduct(t: TestApp, key: string, body: unknown) {
  const res = await t.request({ method: 'POST', url: '/v1/products', key, body });
  expectStatus(res, 201);
  return res.body;
}

/**
 * A tenant whose supplier key owns `mine`, while another supplier of the same tenant owns
 * `theirs`: what supplier-key confinement is tested on.
 */
export async function mineAndTheirs(t: TestApp) {
  const own = await catalogTenant(t);
  const other = await t.request({
    method: 'POST',
    url: '/v1/suppliers',
    key: own.secretKey,
    body: { name: '别家' },
  });
  expectStatus(other, 201);
  const mine = await createProduct(t, own.supplierKey, productBody('我的'));
  const theirs = await createProduct(t, own.secretKey, productBody('别家的', { supplier_id: other.body.id }));
  return { own, otherSupplierId: other.body.id as string, mine, theirs };
}

/** The events of a tenant of one type, oldest first (there is no events API yet). */
export async function eventsOf(t: TestApp, tenantId: string, type: string) {
  return withTenant(t.app.db, tenantId, async (tx) =>
    rowsOf<{ object_id: string; data: { object: any } }>(
      await tx.execute(
        sql`select object_id, data from events where tenant_id = ${tenantId} and type = ${type} order by id`,
      ),
    ),
  );
}
