import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { expectStatus, type TestApp } from '../helpers';

export const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name));

const TYPES: Record<string, string> = {
  shopify_csv: 'text/csv',
  woocommerce_csv: 'text/csv',
  json: 'application/x-ndjson',
};

/** Uploads a file as the raw body; the answer as the API gives it. */
export async function upload(
  t: TestApp,
  key: string,
  format: string,
  file: string | Buffer,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const params = new URLSearchParams({ format, ...query });
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/imports?${params}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': TYPES[format] ?? 'text/csv', ...headers },
    payload: file,
  });
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {}
  return { status: res.statusCode, body, raw: res.body, headers: res.headers };
}

/** Uploads, runs the background jobs, and returns the finished import. */
export async function runImport(
  t: TestApp,
  key: string,
  format: string,
  file: string | Buffer,
  query: Record<string, string> = {},
) {
  const res = await upload(t, key, format, file, query);
  expectStatus(res, 201);
  expect(res.body.status).toBe('queued');
  await t.app.jobs.drain();
  const done = await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key });
  expectStatus(done, 200);
  return done.body;
}

export async function productByHandle(t: TestApp, key: string, handle: string) {
  const res = await t.request({ method: 'GET', url: '/v1/products?limit=100', key });
  expectStatus(res, 200);
  return res.body.data.find((p: any) => p.handle === handle);
}

export async function stockOf(t: TestApp, key: string, variantId: string) {
  const res = await t.request({ method: 'GET', url: `/v1/variants/${variantId}/inventory`, key });
  expectStatus(res, 200);
  return res.body.on_hand as number;
}
