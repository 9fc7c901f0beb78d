import type { Tx } from '../../db/client';
import type { TenantCtx } from '../../lib/context';
import { bindCustomer, currentBinding } from '../bindings/service';
import { activeLink } from '../links/service';
import type { Attribution } from '../orders/tables';
import { findPromoter } from '../promoters/service';
import type { Store } from '../stores/service';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;

/**
 * Who earns on an order (DESIGN.md §3): the shopkeeper whose store it was placed in; else the
 * promoter of the tracking link on the order; else the customer's active binding; else nobody.
 * One promoter per order line, never two, and never an inviter (one level only). Every
 * candidate is kept with the rule that won, so the decision can be read back.
 */
export async function attributeOrder(
  tx: Tx,
  ctx: Ctx,
  input: { store: Store; linkCode: string | null; customerId: string | null },
): Promise<Attribution> {
  const candidates: Attribution['candidates'] = [];
  const active = async (promoterId: string | null | undefined) => {
    if (!promoterId) return false;
    const p = await findPromoter(tx, ctx.tenantId, promoterId);
    return p?.status === 'active';
  };
  if (input.store.kind === 'shopkeeper' && (await active(input.store.owner_promoter_id))) {
    candidates.push({
      rule: 'shopkeeper_store',
      promoter_id: input.store.owner_promoter_id!,
      detail: input.store.id,
    });
  }
  // The tracking link (推广位) on the order, if it is an active link of an active promoter. An
  // unknown or disabled code attributes nothing and fails nothing: the buyer may hold an old
  // link, and the order keeps the code it came with (`link_code`) for the record.
  if (input.linkCode) {
    const link = await activeLink(tx, ctx.tenantId, input.linkCode);
    if (link) candidates.push({ rule: 'link', promoter_id: link.promoterId, detail: link.id });
  }
  if (input.customerId) {
    const binding = await currentBinding(tx, ctx, input.customerId);
    if (binding && (await active(binding.promoterId))) {
      candidates.push({ rule: 'binding', promoter_id: binding.promoterId, detail: binding.id });
    }
  }
  const winner = candidates[0];
  return winner
    ? { promoter_id: winner.promoter_id, rule: winner.rule, candidates }
    : { promoter_id: null, rule: 'none', candidates };
}

/**
 * A paid, attributed order binds its customer to the promoter who earned on it (unless another
 * promoter's protection period holds the customer, which this leaves alone).
 */
export async function bindOnPaidOrder(tx: Tx, ctx: Ctx, attribution: Attribution, customerId: string | null) {
  if (!customerId || !attribution.promoter_id || attribution.rule === 'binding') return;
  // A promoter suspended since the order was placed still earns on it, but gains no customer.
  if ((await findPromoter(tx, ctx.tenantId, attribution.promoter_id))?.status !== 'active') return;
  await bindCustomer(tx, ctx, {
    customerId,
    promoterId: attribution.promoter_id,
    source: attribution.rule === 'link' ? 'link' : 'order',
  });
}
