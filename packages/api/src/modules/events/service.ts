import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { events } from './tables';

export type EventRow = typeof events.$inferSelect;

export interface EventInput {
  /** `resource.verb_past`, e.g. `order.paid`, `inventory.low`. */
  type: string;
  /** The API object as integrators see it (the presented resource, with `id` and `object`). */
  object: { id: string; object: string } & Record<string, unknown>;
  /**
   * Leave the event out of webhook fan-out (its deliveries are made by the caller, as for a
   * test event sent to one endpoint).
   */
  skipFanOut?: boolean;
}

/**
 * Records an event in the caller's transaction (the transactional outbox): it commits or rolls
 * back with the change it describes, so no event is lost and none describes a change that did
 * not happen. `object_seq` numbers the events of one object, so receivers can order them; the
 * object's own row is locked by the change, which serialises its events.
 */
export async function recordEvent(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId' | 'clock'>,
  input: EventInput,
): Promise<EventRow> {
  const { tenantId } = ctx;
  const [row] = await tx
    .insert(events)
    .values({
      tenantId,
      id: newId('event'),
      type: input.type,
      objectType: input.object.object,
      objectId: input.object.id,
      objectSeq: sql`(select coalesce(max(${events.objectSeq}), 0) + 1 from ${events} where ${and(
        eq(events.tenantId, tenantId),
        eq(events.objectId, input.object.id),
      )})`,
      data: { object: input.object },
      createdAt: ctx.clock.now(),
      fannedOutAt: input.skipFanOut ? ctx.clock.now() : null,
    })
    .returning();
  return row!;
}

export function presentEvent(row: EventRow) {
  return {
    id: row.id,
    object: 'event' as const,
    type: row.type,
    created_at: iso(row.createdAt)!,
    object_seq: row.objectSeq,
    data: row.data,
  };
}
export type Event = ReturnType<typeof presentEvent>;

export async function listEvents(
  ctx: TenantCtx,
  query: ListQuery & { type?: string | undefined; object_id?: string | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(events)
      .where(
        and(
          eq(events.tenantId, ctx.tenantId),
          query.type ? eq(events.type, query.type) : undefined,
          query.object_id ? eq(events.objectId, query.object_id) : undefined,
          after ? lt(events.id, after) : undefined,
        ),
      )
      .orderBy(desc(events.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentEvent);
  });
}

export async function getEvent(ctx: TenantCtx, id: string): Promise<Event> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(events)
      .where(and(eq(events.tenantId, ctx.tenantId), eq(events.id, id)));
    if (!row) throw notFound('event', id);
    return presentEvent(row);
  });
}
