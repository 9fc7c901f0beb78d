import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, expectStatus, type TestApp, type TestTenant, testApp } from '../helpers';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await testApp();
  a = await createTestTenant(t);
});

async function category(body: unknown) {
  const res = await t.request({ method: 'POST', url: '/v1/categories', key: a.secretKey, body });
  expectStatus(res, 201);
  return res.body;
}

describe('categories', () => {
  it('builds a tree, listed flat with parent ids or nested', async () => {
    const own = await createTestTenant(t);
    const post = async (body: unknown) =>
      (await t.request({ method: 'POST', url: '/v1/categories', key: own.secretKey, body })).body;
    const women = await post({ name: '女装', position: 1 });
    const men = await post({ name: '男装', position: 2 });
    const dresses = await post({ name: '连衣裙', parent_id: women.id });
    const skirts = await post({ name: '半身裙', parent_id: women.id });
    expect(dresses).toMatchObject({ object: 'category', name: '连衣裙', parent_id: women.id });

    const flat = await t.request({ method: 'GET', url: '/v1/categories', key: own.secretKey });
    expect(flat.body.data.map((c: any) => [c.name, c.parent_id])).toEqual([
      ['半身裙', women.id],
      ['连衣裙', women.id],
      ['男装', null],
      ['女装', null],
    ]);
    const children = await t.request({
      method: 'GET',
      url: `/v1/categories?parent_id=${women.id}`,
      key: own.secretKey,
    });
    expect(children.body.data.map((c: any) => c.id).sort()).toEqual([dresses.id, skirts.id].sort());
    const roots = await t.request({ method: 'GET', url: '/v1/categories?roots=true', key: own.secretKey });
    expect(roots.body.data.map((c: any) => c.id).sort()).toEqual([women.id, men.id].sort());

    const tree = await t.request({ method: 'GET', url: '/v1/categories/tree', key: own.secretKey });
    expectStatus(tree, 200);
    const shape = (nodes: any[]): unknown => nodes.map((n) => [n.name, shape(n.children)]);
    expect(shape(tree.body.data)).toEqual([
      [
        '女装',
        [
          ['半身裙', []],
          ['连衣裙', []],
        ],
      ],
      ['男装', []],
    ]);
  });

  it('moves a category, and refuses a move below itself or its descendants', async () => {
    const root = await category({ name: '根' });
    const child = await category({ name: '子', parent_id: root.id });
    const grandchild = await category({ name: '孙', parent_id: child.id });
    for (const parent of [root.id, child.id, grandchild.id]) {
      const res = await t.request({
        method: 'PATCH',
        url: `/v1/categories/${root.id}`,
        key: a.secretKey,
        body: { parent_id: parent },
      });
      expect(res.status, parent).toBe(422);
      expect(res.body.code).toBe('category_cycle');
      expect(res.body.errors[0].field).toBe('body.parent_id');
    }
    const other = await category({ name: '另一个根' });
    const moved = await t.request({
      method: 'PATCH',
      url: `/v1/categories/${child.id}`,
      key: a.secretKey,
      body: { parent_id: other.id, name: '子（移动）', metadata: { k: 'v' } },
    });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ parent_id: other.id, name: '子（移动）', metadata: { k: 'v' } });
    const toRoot = await t.request({
      method: 'PATCH',
      url: `/v1/categories/${child.id}`,
      key: a.secretKey,
      body: { parent_id: null },
    });
    expect(toRoot.body.parent_id).toBeNull();
  });

  it('refuses an unknown parent and reads a missing category as 404', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/categories',
      key: a.secretKey,
      body: { name: 'x', parent_id: 'cat_nope' },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'body.parent_id', code: 'invalid_reference' });
    const missing = await t.request({ method: 'GET', url: '/v1/categories/cat_nope', key: a.secretKey });
    expect(missing.status).toBe(404);
    const empty = await t.request({
      method: 'POST',
      url: '/v1/categories',
      key: a.secretKey,
      body: { name: ' ' },
    });
    expect(empty.status).toBe(400);
  });
});
