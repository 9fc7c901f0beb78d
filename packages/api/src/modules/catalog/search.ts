import { and, type SQL, sql } from 'drizzle-orm';
import { products } from './tables';

/**
 * Title search that works for Chinese. pg_trgm splits text into words at characters that are
 * not letters in the database's locale, and in the C locale that is every CJK character, so a
 * trigram index finds nothing for '连衣裙'. Instead the title is cut into single characters and
 * character pairs (bigrams) here, stored in `search_tokens` under a GIN index: a query's pairs
 * must all be present (index), and the normalised title must contain the query (`LIKE` recheck,
 * so pairs in the wrong order do not match). Both PGlite and PostgreSQL 15 do this with no
 * extension. Changing these functions changes what is stored: re-save products afterwards.
 */

/** NFKC (full-width ＡＢＣ１２３ → abc123), lower case, runs of white space → one space. */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * A short tenant-specific prefix for every token (the end of the tenant's random id), so the
 * index answers with one tenant's rows. A collision between tenants only costs a recheck: the
 * query still filters on tenant_id, and row-level security holds regardless.
 */
const salt = (tenantId: string) => `${tenantId.slice(-6)}:`;

/** Each character and each pair of neighbouring characters of each word. */
function grams(term: string): string[] {
  const chars = Array.from(term);
  const out = new Set(chars);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return [...out];
}

const words = (text: string) => normalizeSearchText(text).split(' ').filter(Boolean);

export function tagToken(tenantId: string, tag: string): string {
  return `${salt(tenantId)}#${normalizeSearchText(tag)}`;
}

/** What a product is stored with: its title's grams and its tags. */
export function searchTokens(tenantId: string, title: string, tags: readonly string[]): string[] {
  const s = salt(tenantId);
  const tokens = new Set(words(title).flatMap((w) => grams(w).map((g) => s + g)));
  for (const tag of tags) tokens.add(tagToken(tenantId, tag));
  return [...tokens];
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The condition for a search query: every word of it appears in the title (in any order of the
 * words, each word as written). A query of only spaces matches everything.
 */
export function titleMatches(tenantId: string, query: string): SQL | undefined {
  const terms = words(query);
  if (!terms.length) return undefined;
  const s = salt(tenantId);
  // For a word, its pairs imply its characters; a one-character word is its own token.
  const tokens = [...new Set(terms.flatMap((t) => (Array.from(t).length === 1 ? [t] : pairsOf(t))))].map(
    (g) => s + g,
  );
  return and(
    sql`${products.searchTokens} @> ${textArray(tokens)}`,
    ...terms.map((t) => sql`${products.searchText} like ${`%${escapeLike(t)}%`}`),
  );
}

function pairsOf(term: string): string[] {
  return grams(term).filter((g) => Array.from(g).length === 2);
}

/** Products carrying a tag. */
export function hasTag(tenantId: string, tag: string): SQL {
  return sql`${products.searchTokens} @> ${textArray([tagToken(tenantId, tag)])}`;
}

/** A text[] literal from bound parameters (drizzle would otherwise expand an array to a list). */
export function textArray(values: readonly string[]): SQL {
  return sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
}
