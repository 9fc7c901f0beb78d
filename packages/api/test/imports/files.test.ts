import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client';
import { type CatalogTenant, catalogTenant } from '../catalog/setup';
import { eventTypesOf, expectStatus, type TestApp, testApp } from '../helpers';
import { runImport, upload } from './setup';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp({ imports: { maxBytes: 64 * 1024 } });
  a = await catalogTenant(t);
});

const HEADER = 'Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n';

async function productCount(key: string) {
  const res = await t.request({ method: 'GET', url: '/v1/products?limit=100', key });
  return res.body.data.length as number;
}

async function chunkCount(importId: string) {
  const [row] = rowsOf<{ n: number }>(
    await t.app.db.execute(sql`select count(*)::int as n from import_chunks where import_id = ${importId}`),
  );
  return Number(row!.n);
}

describe('files refused whole', () => {
  const cases: Array<[string, string | Buffer, string, RegExp]> = [
    [
      'GBK bytes (not UTF-8)',
      Buffer.concat([
        Buffer.from(HEADER),
        Buffer.from([0xc4, 0xbe, 0xbd, 0xb3]),
        Buffer.from(',T,,,S1,1,1\n'),
      ]),
      'invalid_encoding',
      /not UTF-8.*GBK/,
    ],
    ['UTF-16', Buffer.from(`\ufeff${HEADER}`, 'utf16le'), 'invalid_encoding', /UTF-16/],
    ['missing columns', 'Name,Price\nx,1\n', 'missing_columns', /handle, title/],
    ['a broken quote', `${HEADER}ok,OK,,,S1,1,1\nbad,"Bad "quote",,,S2,1,1\n`, 'malformed_csv', /line 3/],
    [
      'a quote never closed',
      `${HEADER}ok,OK,,,S1,1,1\nbad,"never closed,,,S2,1,1\n`,
      'malformed_csv',
      /never closed/,
    ],
  ];
  for (const [name, file, code, message] of cases) {
    it(`fails the import for ${name}, writing nothing`, async () => {
      const res = await upload(t, a.secretKey, 'shopify_csv', file);
      expectStatus(res, 201);
      await t.app.jobs.drain();
      const job = (await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key: a.secretKey }))
        .body;
      expect(job.status).toBe('failed');
      expect(job.failure.code).toBe(code);
      expect(job.failure.message).toMatch(message);
      expect(job.completed_at).not.toBeNull();
      expect(await productCount(a.secretKey)).toBe(0);
      expect(await chunkCount(res.body.id)).toBe(0);
      expect(await eventTypesOf(t, a.id, res.body.id)).toEqual(['import.failed']);
    });
  }

  it('strips a UTF-8 byte order mark', async () => {
    const b = await catalogTenant(t);
    const job = await runImport(t, b.secretKey, 'shopify_csv', `\ufeff${HEADER}bom-ok,BOM,,,BOM-1,1.00,3\n`);
    expect(job.status).toBe('succeeded');
    expect(job.report.created).toBe(1);
    expect(await eventTypesOf(t, b.id, job.id)).toEqual(['import.completed']);
  });

  it('refuses a file over the size limit with 413, by Content-Length or while streaming', async () => {
    const big = Buffer.alloc(65 * 1024, 'a');
    const declared = await upload(t, a.secretKey, 'shopify_csv', big);
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe('file_too_large');
    const streamed = await upload(t, a.secretKey, 'shopify_csv', big, {}, { 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);
    expect(streamed.body.code).toBe('file_too_large');
    const list = await t.request({ method: 'GET', url: '/v1/imports?limit=100', key: a.secretKey });
    expect(list.body.data.every((i: any) => i.size_bytes < 65 * 1024)).toBe(true);
  });

  it('answers 413 over real HTTP to a chunked upload that runs over, without reading the rest', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/imports?format=shopify_csv' },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.setHeader('authorization', `Bearer ${a.secretKey}`);
      req.setHeader('content-type', 'text/csv');
      req.on('error', (err) => reject(err));
      // 64 KiB is the limit here; keep sending until the server answers.
      const piece = Buffer.alloc(16 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 400 && req.write(piece)) sent++;
        if (sent < 400) req.once('drain', pump);
        else req.end();
      };
      req.on('response', () => (sent = 400));
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).code).toBe('file_too_large');
  });

  it('refuses an empty body, an unknown format and other content types', async () => {
    const empty = await upload(t, a.secretKey, 'shopify_csv', '');
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('empty_file');
    const format = await upload(t, a.secretKey, 'excel', 'x');
    expect(format.status).toBe(400);
    expect(format.body.code).toBe('invalid_request');
    const form = await upload(
      t,
      a.secretKey,
      'shopify_csv',
      'a=b',
      {},
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(form.status).toBe(415);
  });
});

describe('rows refused, products skipped whole', () => {
  it('skips a product whose rows break a rule, with its row numbers, and imports the rest', async () => {
    const b = await catalogTenant(t);
    const file =
      HEADER +
      'good,Good,Size,S,G-S,10.00,1\n' +
      'good,,,M,G-M,10.00,2\n' +
      'dup,Dup,Size,S,D-S,10.00,1\n' +
      'dup,,,M,D-S,10.00,1\n' +
      'neg,Negative stock is zero,,,N-1,5,-3\n' +
      'short,Too few cells\n' +
      'taken,Taken SKU,,,G-S,1,1\n' +
      ',No handle,,,X-1,1,1\n';
    const job = await runImport(t, b.secretKey, 'shopify_csv', file);
    expect(job.status).toBe('succeeded');
    expect(job.report).toMatchObject({ created: 2, skipped: 4 });
    const byProduct = Object.fromEntries(job.report.errors.map((e: any) => [e.product ?? '', e]));
    expect(byProduct.dup).toMatchObject({
      row: 5,
      first_row: 4,
      last_row: 5,
      code: 'duplicate_sku',
      column: 'sku',
    });
    expect(byProduct.short).toMatchObject({ row: 7, code: 'no_variants', column: 'Variant Price' });
    expect(byProduct.taken).toMatchObject({ row: 8, code: 'sku_taken' });
    expect(byProduct['']).toMatchObject({ row: 9, code: 'required', column: 'Handle' });
    const list = await t.request({ method: 'GET', url: '/v1/products?limit=100', key: b.secretKey });
    expect(list.body.data.map((p: any) => p.handle).sort()).toEqual(['good', 'neg']);
  });
});
