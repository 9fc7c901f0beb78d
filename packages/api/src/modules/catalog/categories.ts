import { and, asc, count, desc, eq, isNull, lt, type SQL, sql } from 'drizzle-orm';
import { rowsOf, type Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { invalidReference, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { categories } from './tables';
import { bumpCatalogVersion } from './version';

type CategoryRow = typeof categories.$inferSelect;

/** The whole tree is returned in one response; a taxonomy larger than this is a mistake. */
export const MAX_CATEGORIES = 5_000;

export interface CreateCategoryInput {
  name: string;
  parent_id?: string | null | undefined;
  position?: number | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface UpdateCategoryInput {
  name?: string | undefined;
  parent_id?: string | null | undefined;
  position?: number | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export function presentCategory(row: CategoryRow) {
  return {
    id: row.id,
    object: 'category' as const,
    name: row.name,
    parent_id: row.parentId,
    position: row.position,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Category = ReturnType<typeof presentCategory>;
export type CategoryNode = Category & { children: CategoryNode[] };

async function findCategory(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(categories)
    .where(and(eq(categories.tenantId, tenantId), eq(categories.id, id)));
  return row;
}

/** For products: a category id given in a request must name one of this tenant's categories. */
export async function requireCategory(tx: Tx, tenantId: string, id: string, field: string) {
  if (!(await findCategory(tx, tenantId, id))) throw invalidReference('category', id, field);
}

/** The ids of a category and all categories below it, as a subquery (for product filters). */
export function categorySubtree(tenantId: string, id: string): SQL {
  return sql`(with recursive subtree(id) as (
      select ${categories.id} from ${categories} where ${categories.tenantId} = ${tenantId} and ${categories.id} = ${id}
      union all
      select c.id from ${categories} c join subtree on c.parent_id = subtree.id where c.tenant_id = ${tenantId}
    ) select id from subtree)`;
}

/**
 * Moves under a new parent are serialised per tenant (an advisory lock for the transaction), so
 * two concurrent moves cannot each pass the cycle check and together make a cycle.
 */
async function assertNoCycle(tx: Tx, tenantId: string, id: string, parentId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`categories:${tenantId}`}))`);
  const ancestors = rowsOf<{ id: string }>(
    await tx.execute(sql`with recursive up(id, parent_id) as (
        select id, parent_id from categories where tenant_id = ${tenantId} and id = ${parentId}
        union all
        select c.id, c.parent_id from categories c join up on c.id = up.parent_id where c.tenant_id = ${tenantId}
      ) select id from up`),
  );
  if (ancestors.some((a) => a.id === id)) {
    throw unprocessable('category_cycle', 'A category cannot be moved below itself or its descendants.', [
      {
        field: 'body.parent_id',
        code: 'category_cycle',
        message: `'${parentId}' is '${id}' or below it`,
      },
    ]);
  }
}

export async function createCategory(ctx: TenantCtx, input: CreateCategoryInput): Promise<Category> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    if (input.parent_id) await requireCategory(tx, ctx.tenantId, input.parent_id, 'body.parent_id');
    const [existing] = await tx
      .select({ n: count() })
      .from(categories)
      .where(eq(categories.tenantId, ctx.tenantId));
    if (existing!.n >= MAX_CATEGORIES) {
      throw unprocessable('category_limit', `A tenant has at most ${MAX_CATEGORIES} categories.`);
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(categories)
      .values({
        tenantId: ctx.tenantId,
        id: newId('category'),
        name: input.name,
        parentId: input.parent_id ?? null,
        position: input.position ?? 0,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await bumpCatalogVersion(tx, ctx.tenantId);
    return presentCategory(row!);
  });
}

export async function getCategory(ctx: TenantCtx, id: string): Promise<Category> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findCategory(tx, ctx.tenantId, id);
    if (!row) throw notFound('category', id);
    return presentCategory(row);
  });
}

export async function listCategories(
  ctx: TenantCtx,
  query: ListQuery & { parent_id?: string | undefined; roots?: boolean | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(categories)
      .where(
        and(
          eq(categories.tenantId, ctx.tenantId),
          query.parent_id ? eq(categories.parentId, query.parent_id) : undefined,
          query.roots ? isNull(categories.parentId) : undefined,
          after ? lt(categories.id, after) : undefined,
        ),
      )
      .orderBy(desc(categories.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentCategory);
  });
}

/** The whole tree, roots first, siblings by position then name. */
export async function categoryTree(ctx: TenantCtx): Promise<CategoryNode[]> {
  const rows = await withTenant(ctx.db, ctx.tenantId, (tx) =>
    tx
      .select()
      .from(categories)
      .where(eq(categories.tenantId, ctx.tenantId))
      .orderBy(asc(categories.position), asc(categories.name), asc(categories.id))
      .limit(MAX_CATEGORIES),
  );
  const nodes = new Map(rows.map((r) => [r.id, { ...presentCategory(r), children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_id ? nodes.get(node.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export async function updateCategory(
  ctx: TenantCtx,
  id: string,
  input: UpdateCategoryInput,
): Promise<Category> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findCategory(tx, ctx.tenantId, id);
    if (!current) throw notFound('category', id);
    if (input.parent_id) {
      await requireCategory(tx, ctx.tenantId, input.parent_id, 'body.parent_id');
      await assertNoCycle(tx, ctx.tenantId, id, input.parent_id);
    }
    const [row] = await tx
      .update(categories)
      .set({
        name: input.name ?? current.name,
        parentId: input.parent_id === undefined ? current.parentId : input.parent_id,
        position: input.position ?? current.position,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(categories.tenantId, ctx.tenantId), eq(categories.id, id)))
      .returning();
    await bumpCatalogVersion(tx, ctx.tenantId);
    return presentCategory(row!);
  });
}
