import { z } from 'zod';
import { badRequest } from './errors';

/**
 * Cursor pagination, the same on every list: `?limit=&starting_after=<next_cursor>` →
 * `{ object: 'list', data, has_more, next_cursor }`. Cursors are opaque (base64url JSON of the
 * sort key of the last row) so the sort key can change without breaking clients.
 */
export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size, 1–100 (default 20).'),
  starting_after: z
    .string()
    .max(512)
    .optional()
    .describe('The `next_cursor` of the previous page; omit for the first page.'),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  });
}

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export type CursorKey = Array<string | number>;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor carries, checked against the shape the list expects. */
export function decodeCursor(cursor: string | undefined, shape: Array<'string' | 'number'> = ['string']) {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    !Array.isArray(key) ||
    key.length !== shape.length ||
    !key.every((v, i) => typeof v === shape[i] && (typeof v !== 'string' || v.length <= 200))
  ) {
    throw badRequest('invalid_cursor', 'starting_after is not a cursor this list returned.', [
      { field: 'querystring.starting_after', code: 'invalid_cursor', message: 'Unknown cursor' },
    ]);
  }
  return key as CursorKey;
}

/** Decodes a cursor of lists ordered by id alone (the common case). */
export function cursorId(query: ListQuery): string | undefined {
  return decodeCursor(query.starting_after)?.[0] as string | undefined;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says there is more.
 * `keyOf` gives the sort key of a row (its id, by default).
 */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
  keyOf: (row: R) => CursorKey = (row) => [(row as { id: string }).id],
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    object: 'list',
    data: pageRows.map(present),
    has_more: hasMore,
    next_cursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
