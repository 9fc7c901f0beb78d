import { and, eq, gte, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { withTenant } from '../../db/tenancy';
import type { TenantCtx } from '../../lib/context';
import { orders } from '../orders/tables';
import { promoters } from '../promoters/tables';
import { stores } from '../stores/tables';
import { readTenantSettings } from '../tenants/service';
import { monthRange } from './ledger';
import { commissions } from './tables';

/** 生存指数 and 幸福指数 (DESIGN.md §3): monthly sales of ¥10,000 and ¥50,000, in fen. */
export const SURVIVAL_INDEX = 1_000_000;
export const HAPPINESS_INDEX = 5_000_000;

/** Histogram buckets of monthly sales (lower bounds, fen): 0, > 0, ¥1k, ¥5k, ¥10k, ¥20k, ¥50k, ¥100k. */
export const SALES_BUCKETS = [0, 1, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000] as const;

export const TOP_PROMOTERS = 10;
export const TOP_STORES = 50;

/**
 * The monthly distribution report operators watch instead of the average: how many shopkeepers
 * pass the survival and happiness indexes, how monthly sales spread over buckets, the top
 * promoters, and sales by store. Promoter sales are the net amounts of the order lines
 * attributed to them (paid in the month, UTC+8, less refunds); store sales are the paid orders'
 * totals less refunds, cancelled orders excluded.
 */
export async function distributionReport(ctx: TenantCtx, month: string) {
  const { start, end } = monthRange(month);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const { currency } = await readTenantSettings(tx, ctx.tenantId);
    const perPromoter = await tx
      .select({
        promoterId: commissions.promoterId,
        sales: sql<string>`sum(${commissions.netAmount})`,
        commission: sql<string>`sum(${commissions.amount} + ${commissions.adjustedAmount})`,
        orders: sql<string>`count(distinct ${commissions.orderId})`,
      })
      .from(commissions)
      .where(
        and(
          eq(commissions.tenantId, ctx.tenantId),
          gte(commissions.orderPaidAt, start),
          lt(commissions.orderPaidAt, end),
          ne(commissions.status, 'reversed'),
        ),
      )
      .groupBy(commissions.promoterId);
    const sales = new Map(
      perPromoter.map((r) => [
        r.promoterId,
        { sales: Number(r.sales), commission: Number(r.commission), orders: Number(r.orders) },
      ]),
    );
    // Every shopkeeper counts, including those who sold nothing: the distribution, not the average.
    const shopkeepers = await tx
      .select({ id: promoters.id })
      .from(promoters)
      .where(
        and(
          eq(promoters.tenantId, ctx.tenantId),
          eq(promoters.kind, 'shopkeeper'),
          ne(promoters.status, 'terminated'),
        ),
      );
    const shopkeeperSales = shopkeepers.map((s) => sales.get(s.id)?.sales ?? 0).sort((a, b) => a - b);
    const histogram = SALES_BUCKETS.map((from, i) => {
      const to = SALES_BUCKETS[i + 1] ?? null;
      return {
        from,
        to,
        count: shopkeeperSales.filter((s) => s >= from && (to === null || s < to)).length,
      };
    });
    const median =
      shopkeeperSales.length === 0
        ? 0
        : shopkeeperSales.length % 2
          ? shopkeeperSales[(shopkeeperSales.length - 1) / 2]!
          : Math.floor(
              (shopkeeperSales[shopkeeperSales.length / 2 - 1]! +
                shopkeeperSales[shopkeeperSales.length / 2]!) /
                2,
            );

    const ranked = [...sales.entries()]
      .sort((a, b) => b[1].sales - a[1].sales || a[0].localeCompare(b[0]))
      .slice(0, TOP_PROMOTERS);
    const topRows = ranked.length
      ? await tx
          .select({ id: promoters.id, name: promoters.name, kind: promoters.kind, level: promoters.level })
          .from(promoters)
          .where(
            and(
              eq(promoters.tenantId, ctx.tenantId),
              inArray(
                promoters.id,
                ranked.map(([id]) => id),
              ),
            ),
          )
      : [];
    const info = new Map(topRows.map((p) => [p.id, p]));

    const byStore = await tx
      .select({
        storeId: orders.storeId,
        name: stores.name,
        kind: stores.kind,
        orders: sql<string>`count(*)`,
        sales: sql<string>`sum(${orders.amountPaid} - ${orders.amountRefunded})`,
      })
      .from(orders)
      .innerJoin(stores, and(eq(stores.tenantId, orders.tenantId), eq(stores.id, orders.storeId)))
      .where(
        and(
          eq(orders.tenantId, ctx.tenantId),
          isNotNull(orders.paidAt),
          gte(orders.paidAt, start),
          lt(orders.paidAt, end),
          ne(orders.status, 'canceled'),
        ),
      )
      .groupBy(orders.storeId, stores.name, stores.kind)
      .orderBy(sql`sum(${orders.amountPaid} - ${orders.amountRefunded}) desc`, orders.storeId)
      .limit(TOP_STORES);

    return {
      object: 'distribution_report' as const,
      month,
      currency,
      period_start: start.toISOString(),
      period_end: end.toISOString(),
      shopkeepers: {
        total: shopkeepers.length,
        with_sales: shopkeeperSales.filter((s) => s > 0).length,
        median_sales: median,
        survival_index: {
          threshold: SURVIVAL_INDEX,
          count: shopkeeperSales.filter((s) => s >= SURVIVAL_INDEX).length,
        },
        happiness_index: {
          threshold: HAPPINESS_INDEX,
          count: shopkeeperSales.filter((s) => s >= HAPPINESS_INDEX).length,
        },
        histogram,
      },
      top_promoters: ranked.map(([id, s]) => ({
        promoter_id: id,
        name: info.get(id)?.name ?? null,
        kind: info.get(id)?.kind ?? null,
        level: info.get(id)?.level ?? null,
        sales: s.sales,
        commission: s.commission,
        orders: s.orders,
      })),
      sales_by_store: byStore.map((r) => ({
        store_id: r.storeId,
        name: r.name,
        kind: r.kind,
        orders: Number(r.orders),
        sales: Number(r.sales),
      })),
    };
  });
}
