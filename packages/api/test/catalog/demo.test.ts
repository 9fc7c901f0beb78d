import { expect, it } from 'vitest';
import { ensureDemoCatalog } from '../../src/demo-catalog';
import type { TenantCtx } from '../../src/lib/context';
import { testApp } from '../helpers';
import { catalogTenant } from './setup';

it('seeds the demo catalog once, with stock, and leaves it alone on the next start', async () => {
  const t = await testApp();
  const tenant = await catalogTenant(t);
  const ctx: TenantCtx = {
    db: t.app.db,
    clock: t.config.clock,
    tenantId: tenant.id,
    actor: { kind: 'secret', tenantId: tenant.id, keyId: 'demo_seed', scopes: null },
  };
  await ensureDemoCatalog(ctx);
  const list = async () =>
    (await t.request({ method: 'GET', url: '/v1/products?limit=100', key: tenant.secretKey })).body.data;
  const first = await list();
  expect(first).toHaveLength(5);
  const tee = first.find((p: any) => p.handle === 'cotton-crew-tee');
  await t.request({
    method: 'PATCH',
    url: `/v1/products/${tee.id}`,
    key: tenant.secretKey,
    body: { title: '改过' },
  });

  await ensureDemoCatalog(ctx);
  const second = await list();
  expect(second.map((p: any) => p.id)).toEqual(first.map((p: any) => p.id));
  expect(second.find((p: any) => p.id === tee.id).title).toBe('改过');
  const storefront = await t.request({
    method: 'GET',
    url: '/v1/storefront/products',
    key: tenant.publishableKey,
  });
  expect(storefront.body.data).toHaveLength(4);
  expect(storefront.body.data.every((p: any) => p.in_stock)).toBe(true);
});
