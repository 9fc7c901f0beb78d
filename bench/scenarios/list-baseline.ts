import { join } from 'node:path';
import { call, createTenant } from '../lib/api';
import { DURATION_S, ROOT } from '../lib/env';
import { runLoad } from '../lib/load';
import { type Figure, fmt } from '../lib/report';
import { type RunningServer, startProcess } from '../lib/server';

/**
 * Baseline of the request path itself (auth, tenant transaction with RLS, zod serialisation):
 * an authenticated list of 20 stores, next to a bare Fastify route serving the same bytes.
 */
export async function listBaseline(api: RunningServer): Promise<Figure[]> {
  const tenant = await createTenant(api.url, 'bench list');
  for (let i = 0; i < 40; i++)
    await call(api.url, tenant.secretKey, 'POST', '/v1/stores', { kind: 'brand', name: `店铺 ${i}` });
  const path = '/v1/stores?limit=20';
  const ref = await startProcess(
    join(ROOT, 'bench/reference-server.mjs'),
    [api.url + path, tenant.secretKey],
    {},
    3901,
  );
  // Both warm up before they are measured.
  const headers = { authorization: `Bearer ${tenant.secretKey}` };
  await runLoad({ url: `${ref.url}/reference`, connections: 16, durationS: 2 });
  await runLoad({ url: api.url + path, connections: 16, durationS: 2, headers });
  const bare = await runLoad({ url: `${ref.url}/reference`, connections: 64, durationS: DURATION_S });
  const ours = await runLoad({ url: api.url + path, connections: 64, durationS: DURATION_S, headers });
  await ref.stop();
  const ratio = ours.rps / bare.rps;
  return [
    {
      scenario: 'authenticated list (GET /v1/stores, 20 items), 64 conns',
      figure: 'req/s',
      value: fmt(ours.rps),
      reference: `${fmt(bare.rps)} (bare Fastify, same JSON)`,
      ratio: fmt(ratio, 2),
      target: 'informative',
      pass: null,
    },
    {
      scenario: 'authenticated list (GET /v1/stores, 20 items), 64 conns',
      figure: 'p50 / p99 ms',
      value: `${ours.p50} / ${ours.p99}`,
      reference: `${bare.p50} / ${bare.p99}`,
      ratio: '',
      target: 'informative',
      pass: ours.errors === 0 && ours.non2xx === 0 ? null : false,
    },
  ];
}
