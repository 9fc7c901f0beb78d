import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers';

let t: TestApp;
let doc: any;

beforeAll(async () => {
  t = await testApp();
  doc = (await t.request({ method: 'GET', url: '/openapi.json' })).body;
});

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names every operation uniquely, says who may call it, and documents its problems', () => {
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/v1')) continue;
      for (const [method, op] of Object.entries<any>(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId), `duplicate ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
        expect(op.security, where).toEqual([{ bearerAuth: [] }]);
        expect(op['x-key-kinds'].length, where).toBeGreaterThan(0);
        expect(op.responses['401'], where).toBeDefined();
        if (method === 'post')
          expect(
            op.parameters.some((p: any) => p.name === 'Idempotency-Key'),
            where,
          ).toBe(true);
      }
    }
    expect(ids.size).toBeGreaterThan(10);
  });

  it('serves interactive docs at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
