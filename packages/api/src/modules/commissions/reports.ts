import { and, eq, gte, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client';
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
    const inMonth = and(
      eq(commissions.tenantId, ctx.tenantId),
      gte(commissions.orderPaidAt, start),
      lt(commissions.orderPaidAt, end),
      ne(commissions.status, 'reversed'),
    );
    // Every shopkeeper counts, including those who sold nothing: the distribution, not the
    // average. One aggregate in the database, however many shopkeepers the tenant has.
    const buckets = SALES_BUCKETS.map((from, i) => {
      const to = SALES_BUCKETS[i + 1];
      return to === undefined
        ? sql`count(*) filter (where sales >= ${from})`
        : sql`count(*) filter (where sales >= ${from} and sales < ${to})`;
    });
    const [stats] = rowsOf<Record<string, string | number | null>>(
      await tx.execute(sql`
        with sales as (
          select ${commissions.promoterId} as promoter_id, sum(${commissions.netAmount}) as sales
          from ${commissions} where ${inMonth} group by ${commissions.promoterId}
        ), shop as (
          select coalesce(sales.sales, 0) as sales
          from ${promoters} left join sales on sales.promoter_id = ${promoters.id}
          where ${promoters.tenantId} = ${ctx.tenantId} and ${promoters.kind} = 'shopkeeper'
            and ${promoters.status} <> 'terminated'
        )
        select count(*) as total,
          count(*) filter (where sales > 0) as with_sales,
          coalesce(percentile_disc(0.5) within group (order by sales), 0) as median,
          count(*) filter (where sales >= ${SURVIVAL_INDEX}) as survival,
          count(*) filter (where sales >= ${HAPPINESS_INDEX}) as happiness,
          ${sql.join(
            buckets.map((b, i) => sql`${b} as ${sql.identifier(`b${i}`)}`),
            sql`, `,
          )}
        from shop`),
    );
    const num = (v: unknown) => Number(v ?? 0);
    const histogram = SALES_BUCKETS.map((from, i) => ({
      from,
      to: SALES_BUCKETS[i + 1] ?? null,
      count: num(stats?.[`b${i}`]),
    }));

    const salesSum = sql<string>`sum(${commissions.netAmount})`;
    const top = await tx
      .select({
        promoterId: commissions.promoterId,
        name: promoters.name,
        kind: promoters.kind,
        level: promoters.level,
        sales: salesSum,
        commission: sql<string>`sum(${commissions.amount} + ${commissions.adjustedAmount})`,
        orders: sql<string>`count(distinct ${commissions.orderId})`,
      })
      .from(commissions)
      .innerJoin(
        promoters,
        and(eq(promoters.tenantId, commissions.tenantId), eq(promoters.id, commissions.promoterId)),
      )
      .where(inMonth)
      .groupBy(commissions.promoterId, promoters.name, promoters.kind, promoters.level)
      .orderBy(sql`${salesSum} desc`, commissions.promoterId)
      .limit(TOP_PROMOTERS);

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
        total: num(stats?.total),
        with_sales: num(stats?.with_sales),
        median_sales: num(stats?.median),
        survival_index: { threshold: SURVIVAL_INDEX, count: num(stats?.survival) },
        happiness_index: { threshold: HAPPINESS_INDEX, count: num(stats?.happiness) },
        histogram,
      },
      top_promoters: top.map((r) => ({
        promoter_id: r.promoterId,
        name: r.name,
        kind: r.kind,
        level: r.level,
        sales: Number(r.sales),
        commission: Number(r.commission),
        orders: Number(r.orders),
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
