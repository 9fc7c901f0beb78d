import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeSearchText, searchTokens } from '../../src/modules/catalog/search';
import { expectStatus, type TestApp, testApp } from '../helpers';
import { type CatalogTenant, catalogTenant, createProduct, productBody } from './setup';

let t: TestApp;
let a: CatalogTenant;
const titles = [
  '夏季新款连衣裙',
  '连衣短裙',
  '男士纯棉T恤',
  'Apple iPhone 16 手机壳',
  '１００％ 真丝围巾',
  '折扣_100%',
];
const byTitle = new Map<string, string>();

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
  for (const title of titles)
    byTitle.set(title, (await createProduct(t, a.secretKey, productBody(title))).id);
});

async function search(q: string, key = a.secretKey) {
  const res = await t.request({ method: 'GET', url: `/v1/products?q=${encodeURIComponent(q)}`, key });
  expectStatus(res, 200);
  return res.body.data.map((p: any) => p.title).sort();
}

describe('title search', () => {
  it('finds Chinese titles by any part of them', async () => {
    expect(await search('连衣裙')).toEqual(['夏季新款连衣裙']);
    expect(await search('连衣')).toEqual(['夏季新款连衣裙', '连衣短裙'].sort());
    expect(await search('裙')).toEqual(['夏季新款连衣裙', '连衣短裙'].sort());
    expect(await search('新款连衣裙')).toEqual(['夏季新款连衣裙']);
  });

  it('needs the characters in order, not just present', async () => {
    expect(await search('裙衣连')).toEqual([]);
    expect(await search('连裙')).toEqual([]);
  });

  it('matches every word of a query, in any order, ignoring case and width', async () => {
    expect(await search('新款 连衣裙')).toEqual(['夏季新款连衣裙']);
    expect(await search('连衣裙 夏季')).toEqual(['夏季新款连衣裙']);
    expect(await search('iphone 手机壳')).toEqual(['Apple iPhone 16 手机壳']);
    expect(await search('ＩＰＨＯＮＥ')).toEqual(['Apple iPhone 16 手机壳']);
    expect(await search('t恤')).toEqual(['男士纯棉T恤']);
    expect(await search('100%')).toEqual(['１００％ 真丝围巾', '折扣_100%'].sort());
    expect(await search('连衣裙 手机')).toEqual([]);
  });

  it('treats LIKE wildcards as plain characters', async () => {
    expect(await search('%')).toEqual(['１００％ 真丝围巾', '折扣_100%'].sort());
    expect(await search('_')).toEqual(['折扣_100%']);
    expect(await search('扣%')).toEqual([]);
  });

  it("never finds another tenant's products", async () => {
    const b = await catalogTenant(t);
    expect(await search('连衣裙', b.secretKey)).toEqual([]);
  });

  it('finds a renamed product by its new title only', async () => {
    const id = byTitle.get('连衣短裙')!;
    await t.request({
      method: 'PATCH',
      url: `/v1/products/${id}`,
      key: a.secretKey,
      body: { title: '百褶半身裙' },
    });
    expect(await search('短裙')).toEqual([]);
    expect(await search('百褶')).toEqual(['百褶半身裙']);
  });
});

describe('search tokens', () => {
  it('are the characters and neighbouring pairs of each word, tenant-salted, plus the tags', () => {
    expect(normalizeSearchText('  Ｔ恤  Cotton ')).toBe('t恤 cotton');
    const tokens = searchTokens('ten_01abcdefghjkmnpqrstvwxyz0', '连衣裙 T恤', ['新品']);
    const salt = 'vwxyz0:';
    expect(tokens.every((tk) => tk.startsWith(salt))).toBe(true);
    expect(tokens.map((tk) => tk.slice(salt.length)).sort()).toEqual(
      ['连', '衣', '裙', '连衣', '衣裙', 't', '恤', 't恤', '#新品'].sort(),
    );
  });
});
