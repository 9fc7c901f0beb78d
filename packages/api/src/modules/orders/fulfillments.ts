import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { supplierScope } from '../catalog/service';
import { recordEvent } from '../events/service';
import {
  linesOf,
  loadOrder,
  lockOrder,
  type OrderLineRow,
  presentOrderLine,
  syncProgress,
  unitsToShip,
} from './service';
import { type FulfillmentStatus, fulfillmentMachine } from './states';
import { fulfillments, orderLines, orders, type ShipmentLine, shipments } from './tables';

type FulfillmentRow = typeof fulfillments.$inferSelect;
type ShipmentRow = typeof shipments.$inferSelect;
type OrderRow = typeof orders.$inferSelect;

function presentShipment(row: ShipmentRow) {
  return {
    id: row.id,
    object: 'shipment' as const,
    fulfillment_id: row.fulfillmentId,
    carrier: row.carrier,
    tracking_number: row.trackingNumber,
    lines: row.lines,
    created_at: iso(row.createdAt)!,
  };
}

/**
 * A supplier's part of an order, with what it must ship: its own lines (never the others'),
 * the shipping address, and its parcels so far.
 */
export function presentFulfillment(
  row: FulfillmentRow,
  order: OrderRow,
  lines: OrderLineRow[],
  parcels: ShipmentRow[],
) {
  return {
    id: row.id,
    object: 'fulfillment' as const,
    order_id: row.orderId,
    supplier_id: row.supplierId,
    status: row.status,
    shipping_address: order.shippingAddress,
    lines: lines
      .filter((l) => l.supplierId === row.supplierId)
      .map((l) => ({ ...presentOrderLine(l), quantity_to_ship: unitsToShip(l) })),
    shipments: parcels.map(presentShipment),
    shipped_at: iso(row.shippedAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Fulfillment = ReturnType<typeof presentFulfillment>;

async function present(tx: Tx, tenantId: string, rows: FulfillmentRow[]) {
  const orderIds = [...new Set(rows.map((r) => r.orderId))];
  const ids = rows.map((r) => r.id);
  const orderRows = orderIds.length
    ? await tx
        .select()
        .from(orders)
        .where(and(eq(orders.tenantId, tenantId), inArray(orders.id, orderIds)))
    : [];
  const ordersById = new Map(orderRows.map((o) => [o.id, o]));
  const lines = await linesOf(tx, tenantId, orderIds);
  const parcels = ids.length
    ? await tx
        .select()
        .from(shipments)
        .where(and(eq(shipments.tenantId, tenantId), inArray(shipments.fulfillmentId, ids)))
        .orderBy(asc(shipments.id))
    : [];
  return (row: FulfillmentRow) =>
    presentFulfillment(
      row,
      ordersById.get(row.orderId)!,
      lines.get(row.orderId) ?? [],
      parcels.filter((p) => p.fulfillmentId === row.id),
    );
}

export async function listFulfillments(
  ctx: TenantCtx,
  query: ListQuery & {
    status?: FulfillmentStatus | undefined;
    order_id?: string | undefined;
    supplier_id?: string | undefined;
  },
) {
  const after = cursorId(query);
  const own = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(fulfillments)
      .where(
        and(
          eq(fulfillments.tenantId, ctx.tenantId),
          own ? eq(fulfillments.supplierId, own) : undefined,
          query.supplier_id ? eq(fulfillments.supplierId, query.supplier_id) : undefined,
          query.status ? eq(fulfillments.status, query.status) : undefined,
          query.order_id ? eq(fulfillments.orderId, query.order_id) : undefined,
          after ? lt(fulfillments.id, after) : undefined,
        ),
      )
      .orderBy(desc(fulfillments.id))
      .limit(query.limit + 1);
    const show = await present(tx, ctx.tenantId, rows.slice(0, query.limit));
    return pageOf(rows, query.limit, show);
  });
}

/** A supplier key reaches only its own fulfillments; another's id is "not found". */
async function findFulfillment(tx: Tx, ctx: TenantCtx, id: string) {
  const own = supplierScope(ctx);
  const [row] = await tx
    .select()
    .from(fulfillments)
    .where(
      and(
        eq(fulfillments.tenantId, ctx.tenantId),
        eq(fulfillments.id, id),
        own ? eq(fulfillments.supplierId, own) : undefined,
      ),
    );
  if (!row) throw notFound('fulfillment', id);
  return row;
}

export async function getFulfillment(ctx: TenantCtx, id: string): Promise<Fulfillment> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findFulfillment(tx, ctx, id);
    return (await present(tx, ctx.tenantId, [row]))(row);
  });
}

export interface ShipmentInput {
  carrier: string;
  tracking_number: string;
  /** Which units are in the parcel; omitted: everything still to ship. */
  lines?: ShipmentLine[] | undefined;
}

/**
 * Ships (part of) a fulfillment: a parcel with a carrier, a tracking number and some units of
 * the supplier's own lines. Lines and fulfillment move to partially shipped or shipped, and so
 * does the order; `order.fulfillment_shipped` carries the order.
 */
export async function shipFulfillment(
  ctx: TenantCtx,
  id: string,
  input: ShipmentInput,
): Promise<Fulfillment> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const found = await findFulfillment(tx, ctx, id);
    // The order first, then its parts: every change of an order takes its locks in this order.
    const order = await lockOrder(tx, ctx.tenantId, found.orderId);
    const [fulfillment] = await tx
      .select()
      .from(fulfillments)
      .where(and(eq(fulfillments.tenantId, ctx.tenantId), eq(fulfillments.id, id)))
      .for('update');
    fulfillmentMachine.next(fulfillment!.status, 'ship_part');
    const lines = ((await linesOf(tx, ctx.tenantId, [order.id])).get(order.id) ?? []).filter(
      (l) => l.supplierId === fulfillment!.supplierId,
    );
    const open = unitsToShip;
    const parcel: ShipmentLine[] =
      input.lines ??
      lines.filter((l) => open(l) > 0).map((l) => ({ order_line_id: l.id, quantity: open(l) }));
    const errors = parcel.flatMap((p, i) => {
      const line = lines.find((l) => l.id === p.order_line_id);
      if (!line)
        return [
          fieldError(`body.lines.${i}.order_line_id`, 'invalid_reference', 'Not a line of this fulfillment'),
        ];
      if (p.quantity > open(line)) {
        return [fieldError(`body.lines.${i}.quantity`, 'too_many', `At most ${open(line)} left to ship`)];
      }
      return [];
    });
    const seen = new Set<string>();
    parcel.forEach((p, i) => {
      if (seen.has(p.order_line_id))
        errors.push(fieldError(`body.lines.${i}.order_line_id`, 'duplicate', 'Listed twice'));
      seen.add(p.order_line_id);
    });
    if (errors.length)
      throw unprocessable('invalid_shipment', 'The shipment does not fit what is left to ship.', errors);
    if (!parcel.length)
      throw unprocessable('nothing_to_ship', 'Everything of this fulfillment has shipped or was refunded.');
    const now = ctx.clock.now();
    for (const p of parcel) {
      const line = lines.find((l) => l.id === p.order_line_id)!;
      await tx
        .update(orderLines)
        .set({ quantityShipped: line.quantityShipped + p.quantity })
        .where(and(eq(orderLines.tenantId, ctx.tenantId), eq(orderLines.id, line.id)));
    }
    await tx.insert(shipments).values({
      tenantId: ctx.tenantId,
      id: newId('shipment'),
      fulfillmentId: id,
      orderId: order.id,
      carrier: input.carrier,
      trackingNumber: input.tracking_number,
      lines: parcel,
      createdAt: now,
    });
    const updated = await syncProgress(tx, ctx, order);
    await recordEvent(tx, ctx, {
      type: 'order.fulfillment_shipped',
      object: await loadOrder(tx, ctx.tenantId, updated),
    });
    const [row] = await tx
      .select()
      .from(fulfillments)
      .where(and(eq(fulfillments.tenantId, ctx.tenantId), eq(fulfillments.id, id)));
    return (await present(tx, ctx.tenantId, [row!]))(row!);
  });
}
