import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mujiang } from '@mujiang/sdk';
import { type MujiangEvent, verifyNodeRequest, WebhookVerificationError } from '@mujiang/sdk/webhooks';
import type { CommissionRecord, SettlementRecord, ShopState, ShopStore } from './store';

type CommissionEvent = Extract<MujiangEvent, { type: `commission.${string}` }>;
type SettlementEvent = Extract<MujiangEvent, { type: `settlement.${string}` }>;
type Commission = CommissionEvent['data']['object'];
type Settlement = SettlementEvent['data']['object'];

export type Outcome =
  /** Applied to the store. */
  | 'recorded'
  /** This event id was processed before (a retry or a replay): acknowledged, nothing changes. */
  | 'duplicate'
  /** An older snapshot than the one kept (`object_seq`), arrived late: recorded, not applied. */
  | 'stale'
  /** Another promoter's commission or settlement, or an event type the shop does not keep. */
  | 'ignored';

export interface ReceiverOptions {
  store: ShopStore;
  /** The API with the secret key: reads which commissions a settlement includes. */
  client: Mujiang;
  /** The time signatures are checked against (default: now). Tests give their fake clock. */
  now?: () => Date;
}

function commissionRecord(c: Commission, seq: number): CommissionRecord {
  return {
    id: c.id,
    status: c.status,
    order_id: c.order_id,
    amount: c.amount,
    adjusted_amount: c.adjusted_amount,
    final_amount: c.final_amount,
    line_amount: c.line_amount,
    currency: c.currency,
    settlement_id: c.settlement_id,
    seq,
    updated_at: c.updated_at,
  };
}

/** This affiliate's line of a settlement: in the event when it is among the first 100, else read. */
async function lineOf(client: Mujiang, s: Settlement, promoterId: string) {
  const inline = s.lines.data.find((l) => l.promoter_id === promoterId);
  if (inline || !s.lines.has_more) return inline;
  for await (const line of client.settlements.lines(s.id, { limit: 100 })) {
    if (line.promoter_id === promoterId) return line;
  }
  return undefined;
}

function applyCommission(state: ShopState, event: CommissionEvent): Outcome {
  const c = event.data.object;
  if (c.promoter_id !== state.promoter_id) return 'ignored';
  const kept = state.commissions[c.id];
  if (kept && kept.seq >= event.object_seq) return 'stale';
  const next = commissionRecord(c, event.object_seq);
  // A settled commission stays settled (the ledger freezes it), even if this snapshot predates
  // the settlement we already know about.
  if (kept?.settlement_id && !next.settlement_id) {
    next.settlement_id = kept.settlement_id;
    next.status = 'settled';
  }
  state.commissions[c.id] = next;
  return 'recorded';
}

/**
 * Verifies and records one delivery. Refuses (400/401) anything whose signature does not check
 * out over the raw body, and records nothing then. Acknowledges (200) a repeat of an event id
 * without applying it again. Answers 5xx when it could not finish (the API retries later with
 * the same event id, and nothing was half-recorded).
 */
export async function handleWebhook(req: IncomingMessage, res: ServerResponse, options: ReceiverOptions) {
  const { store } = options;
  const answer = (status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const secret = store.current.webhook?.secret;
  if (!secret) return answer(503, { code: 'not_configured' });

  let event: MujiangEvent;
  try {
    event = await verifyNodeRequest<MujiangEvent>(req, secret, options.now ? { now: options.now() } : {});
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    const status = error.code === 'no_matching_signature' ? 401 : 400;
    return answer(status, { code: error.code });
  }

  const outcome = await recordEvent(event, options);
  return answer(200, { id: event.id, outcome });
}

/** Applies a verified event once (by id), in `object_seq` order per object. */
export async function recordEvent(event: MujiangEvent, options: ReceiverOptions): Promise<Outcome> {
  const { store, client } = options;
  if (store.current.events[event.id]) return 'duplicate';
  const promoterId = store.current.promoter_id;

  // Settlements: read what the store needs from the API first, so a failure leaves no trace.
  let settlementLine: Awaited<ReturnType<typeof lineOf>>;
  const included: Commission[] = [];
  if (promoterId && event.type.startsWith('settlement.')) {
    const s = (event as SettlementEvent).data.object;
    settlementLine = await lineOf(client, s, promoterId);
    if (settlementLine && !store.current.settlements[s.id]) {
      for await (const c of client.commissions.list({
        settlement_id: s.id,
        promoter_id: promoterId,
        limit: 100,
      })) {
        included.push(c);
      }
    }
  }

  return store.update((state) => {
    if (state.events[event.id]) return 'duplicate';
    let outcome: Outcome = 'ignored';
    if (event.type.startsWith('commission.')) {
      outcome = applyCommission(state, event as CommissionEvent);
    } else if (event.type.startsWith('settlement.') && settlementLine) {
      const s = (event as SettlementEvent).data.object;
      const kept = state.settlements[s.id];
      if (kept && kept.seq >= event.object_seq) outcome = 'stale';
      else {
        const record: SettlementRecord = {
          id: s.id,
          status: s.status,
          currency: s.currency,
          period_end: s.period_end,
          amount: settlementLine.amount,
          commission_count: settlementLine.commission_count,
          commission_total: settlementLine.commission_total,
          adjustment_total: settlementLine.adjustment_total,
          reference: s.reference,
          paid_at: s.paid_at,
          seq: event.object_seq,
          created_at: s.created_at,
        };
        state.settlements[s.id] = record;
        // The commissions it pays are settled now (no commission event says so).
        for (const c of included) {
          const kept = state.commissions[c.id];
          state.commissions[c.id] = {
            ...commissionRecord(c, kept?.seq ?? 0),
            settlement_id: s.id,
            status: 'settled',
          };
        }
        outcome = 'recorded';
      }
    }
    const objectId = (event.data.object as { id?: string }).id ?? '';
    state.events[event.id] = {
      type: event.type,
      object_id: objectId,
      object_seq: event.object_seq,
      applied: outcome === 'recorded',
    };
    return outcome;
  });
  // (`included` is read once per settlement; later events of it find the settlement kept.)
}
