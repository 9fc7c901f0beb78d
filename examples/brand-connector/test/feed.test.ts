import { describe, expect, it } from 'vitest';
import { parseCsv, parseStockFeed } from '../src/feed';

describe('stock feed parsing', () => {
  it('reads RFC 4180 CSV: quotes, commas and line breaks in fields, CRLF, a BOM', () => {
    const text =
      '\uFEFFsku,quantity,note\r\nA-1,3,"red, large"\r\nB-2,4,"two\nlines ""quoted"""\r\n\r\nC-3,5,\r\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['sku', 'quantity', 'note'] },
      { line: 2, fields: ['A-1', '3', 'red, large'] },
      { line: 3, fields: ['B-2', '4', 'two\nlines "quoted"'] },
      { line: 6, fields: ['C-3', '5', ''] },
    ]);
  });

  it('finds the columns by name, in English or Chinese, and keeps the first figure of a SKU', () => {
    const feed = parseStockFeed('商品编码,库存\nA-1,3\nA-1,9\n,4\nB-2, 7 \nC-3,十\n', 'csv');
    expect(feed.items).toEqual([
      { sku: 'A-1', on_hand: 3, line: 2 },
      { sku: 'B-2', on_hand: 7, line: 5 },
    ]);
    expect(feed.problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'duplicate_item'],
      [4, 'invalid_row'],
      [6, 'invalid_quantity'],
    ]);
  });

  it('keeps a SKU at two locations apart', () => {
    const feed = parseStockFeed('sku,on_hand,location_id\nA-1,3,loc_a\nA-1,4,loc_b\n', 'csv');
    expect(feed.items.map((i) => i.location_id)).toEqual(['loc_a', 'loc_b']);
    expect(feed.problems).toEqual([]);
  });

  it('rejects a CSV without the columns it needs', () => {
    const feed = parseStockFeed('code,amount\nA-1,3\n', 'csv');
    expect(feed.items).toEqual([]);
    expect(feed.problems[0]).toMatchObject({ line: 1, code: 'invalid_row' });
  });

  it('reads JSON as a list of items or an object of SKU → quantity', () => {
    expect(parseStockFeed('[{"sku":"A-1","quantity":2},{"sku":"B-2","on_hand":"5"}]', 'json').items).toEqual([
      { sku: 'A-1', on_hand: 2, line: 1 },
      { sku: 'B-2', on_hand: 5, line: 2 },
    ]);
    expect(parseStockFeed('{"A-1": 2, "B-2": -1}', 'json').items).toEqual([
      { sku: 'A-1', on_hand: 2, line: 1 },
      { sku: 'B-2', on_hand: -1, line: 2 }, // the API judges the figure
    ]);
    expect(parseStockFeed('{oops', 'json').problems[0]).toMatchObject({ code: 'invalid_row' });
  });
});
