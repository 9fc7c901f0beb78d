import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

/** One stock figure of the feed: the absolute quantity on hand of a SKU (at a location). */
export interface FeedItem {
  sku: string;
  on_hand: number;
  location_id?: string;
  /** Where it came from: the CSV line (header = 1) or the JSON entry (1-based). */
  line: number;
}

/** An entry the connector rejects before sending anything (the API never sees it). */
export interface FeedProblem {
  line: number;
  sku: string;
  code: 'invalid_row' | 'invalid_quantity' | 'duplicate_item';
  message: string;
}

export interface StockFeed {
  items: FeedItem[];
  problems: FeedProblem[];
  /** Entries read, accepted or not. */
  entries: number;
}

const SKU_COLUMNS = ['sku', 'sku_code', 'variant_sku', '商品编码', 'sku编码'];
const QUANTITY_COLUMNS = ['on_hand', 'quantity', 'qty', 'stock', '库存', '数量'];
const LOCATION_COLUMNS = ['location_id', 'location'];

/**
 * The rows of a CSV document (RFC 4180: quoted fields may hold commas, quotes and line breaks;
 * CRLF or LF; a UTF-8 BOM is dropped), each with the line it starts on.
 */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== '' || fields.length) endRow();
  return rows;
}

type RawEntry = { line: number; sku: unknown; quantity: unknown; location: unknown };

function fromCsv(text: string): RawEntry[] | FeedProblem {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.fields.map((h) => h.trim().toLowerCase());
  const find = (candidates: string[]) => names.findIndex((n) => candidates.includes(n));
  const sku = find(SKU_COLUMNS);
  const quantity = find(QUANTITY_COLUMNS);
  const location = find(LOCATION_COLUMNS);
  if (sku < 0 || quantity < 0) {
    return {
      line: header.line,
      sku: '',
      code: 'invalid_row',
      message: `The header needs a SKU column (${SKU_COLUMNS.join(', ')}) and a quantity column (${QUANTITY_COLUMNS.join(', ')})`,
    };
  }
  return rows.map(({ line, fields }) => ({
    line,
    sku: fields[sku],
    quantity: fields[quantity],
    location: location >= 0 ? fields[location] : undefined,
  }));
}

/** JSON: `[{ "sku": "…", "quantity": 12 }, …]` (or `on_hand`), or `{ "SKU": 12, … }`. */
function fromJson(text: string): RawEntry[] | FeedProblem {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { line: 0, sku: '', code: 'invalid_row', message: `Not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(doc)) {
    return doc.map((entry, i) => {
      const e = (entry ?? {}) as Record<string, unknown>;
      return {
        line: i + 1,
        sku: e.sku,
        quantity: e.on_hand ?? e.quantity,
        location: e.location_id,
      };
    });
  }
  if (doc && typeof doc === 'object') {
    return Object.entries(doc).map(([sku, quantity], i) => ({
      line: i + 1,
      sku,
      quantity,
      location: undefined,
    }));
  }
  return {
    line: 0,
    sku: '',
    code: 'invalid_row',
    message: 'Expected an array of items or an object of SKU → quantity',
  };
}

/**
 * Reads a stock feed. Entries without a SKU or with a quantity that is not a number are
 * rejected here; a SKU (at one location) given twice keeps its first figure, and the later ones
 * are rejected as `duplicate_item` (as the API does within one call), so the result never depends
 * on where the batches split. Everything else is the API's to judge (unknown SKU, a negative or
 * fractional quantity, below what is reserved), item by item.
 */
export function parseStockFeed(text: string, format: 'csv' | 'json'): StockFeed {
  const raw = format === 'json' ? fromJson(text) : fromCsv(text);
  if (!Array.isArray(raw)) return { items: [], problems: [raw], entries: 0 };
  const items: FeedItem[] = [];
  const problems: FeedProblem[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const sku =
      typeof entry.sku === 'string' || typeof entry.sku === 'number' ? String(entry.sku).trim() : '';
    if (!sku) {
      problems.push({ line: entry.line, sku: '', code: 'invalid_row', message: 'No SKU' });
      continue;
    }
    const q = typeof entry.quantity === 'string' ? entry.quantity.trim() : entry.quantity;
    const quantity = typeof q === 'number' ? q : typeof q === 'string' && q !== '' ? Number(q) : Number.NaN;
    if (!Number.isFinite(quantity)) {
      problems.push({
        line: entry.line,
        sku,
        code: 'invalid_quantity',
        message: `Quantity '${String(entry.quantity ?? '')}' is not a number`,
      });
      continue;
    }
    const location =
      typeof entry.location === 'string' && entry.location.trim() ? entry.location.trim() : undefined;
    const key = `${sku}\u0000${location ?? ''}`;
    if (seen.has(key)) {
      problems.push({
        line: entry.line,
        sku,
        code: 'duplicate_item',
        message: 'This SKU (and location) appears earlier in the feed; the first figure is used',
      });
      continue;
    }
    seen.add(key);
    items.push({ sku, on_hand: quantity, line: entry.line, ...(location ? { location_id: location } : {}) });
  }
  return { items, problems, entries: raw.length };
}

/** Reads a feed file: `.json` is JSON, anything else CSV. */
export async function readStockFeed(path: string): Promise<StockFeed> {
  const text = await readFile(path, 'utf8');
  return parseStockFeed(text, extname(path).toLowerCase() === '.json' ? 'json' : 'csv');
}
