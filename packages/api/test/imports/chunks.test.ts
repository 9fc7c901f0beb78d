import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client';
import { type CatalogTenant, catalogTenant } from '../catalog/setup';
import { expectStatus, type TestApp, testApp } from '../helpers';
import { upload } from './setup';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

describe('storage', () => {
  it('stores a file of several chunks byte for byte and reads it back across chunk boundaries', async () => {
    let file = 'Handle,Title,Body (HTML),Variant SKU,Variant Price\n';
    const text = '木匠'.repeat(200);
    const products = 600;
    for (let i = 0; i < products; i++) {
      file += `h-${i},"标题 ${i}","<p>${text} ""引号""</p>\n<p>第二段 ${i}</p>",S-${i},1.00\n`;
    }
    const res = await upload(t, a.secretKey, 'shopify_csv', file, { dry_run: 'true' });
    expectStatus(res, 201);
    expect(res.body.size_bytes).toBe(Buffer.byteLength(file));
    const chunks = rowsOf<{ seq: number; offset: number; n: number }>(
      await t.app.db.execute(
        sql`select seq, "offset", length(data) as n from import_chunks where import_id = ${res.body.id} order by seq`,
      ),
    );
    expect(chunks.map((c) => Number(c.n)).reduce((x, y) => x + y, 0)).toBe(Buffer.byteLength(file));
    expect(chunks.length).toBeGreaterThan(2);
    let offset = 0;
    for (const c of chunks) {
      expect(Number(c.offset)).toBe(offset);
      offset += Number(c.n);
    }
    const stored = rowsOf<{ data: any }>(
      await t.app.db.execute(
        sql`select data from import_chunks where import_id = ${res.body.id} order by seq`,
      ),
    ).map((r) => Buffer.from(r.data));
    expect(Buffer.concat(stored).toString('utf8') === file).toBe(true);
    await t.app.jobs.drain();
    const job = (await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key: a.secretKey }))
      .body;
    expect(job).toMatchObject({
      status: 'succeeded',
      failure: null,
      progress: { processed: products, total: products },
    });
    expect(job.report).toMatchObject({ created: products, skipped: 0 });
  }, 180_000); // 600 products through the catalog: slow on a busy machine
});
