import { NodeWebhook } from '@mujiang/webhooks/node';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock, WebhookConfig } from '../../config';
import type { Database, DatabaseHandle } from '../../db/client';
import { withTenant, withWorker } from '../../db/tenancy';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  fanOutEvents,
  loadDeliveryContext,
  type Outcome,
  recordOutcomes,
  tuneDispatcherTx,
} from './queue';
import { judgeAttempt, parseRetryAfter } from './rules';
import { SecretBox } from './secret-box';
import { type AttemptResult, WebhookSender } from './sender';
import { eventBody, WAKE_CHANNEL, type WebhookSettings } from './service';
import type { LookupAll } from './ssrf';

export interface DispatcherDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  config: WebhookConfig;
  /** LISTEN, for waking at once when events commit; without it the dispatcher only polls. */
  listen?: DatabaseHandle['listen'] | undefined;
  /** DNS for the SSRF guard (tests give a fake one). */
  lookup?: LookupAll | undefined;
  /** Jitter source (tests pin it). */
  random?: () => number;
}

/** Outcomes wait at most this long, or until there are this many, to be recorded together. */
const FLUSH_DELAY_MS = 10;
const FLUSH_SIZE = 200;
/** Claim loops per dispatcher. */
const CLAIM_LOOPS = 3;

type LoadedContext = Awaited<ReturnType<typeof loadDeliveryContext>> & {
  bodies: Map<string, string>;
  signers: Map<string, NodeWebhook | null>;
};

/**
 * Delivers webhooks. Each round claims work in one worker-role transaction (fan-out of new
 * events, then due retries), loads payloads and secrets in one transaction per tenant, and
 * launches the attempts without waiting for them: up to `concurrency` are in flight, so a slow
 * receiver holds one slot, not the queue. Outcomes are recorded in small batches per tenant.
 *
 * In the server and the worker, `start()` runs rounds whenever a notification (LISTEN) or the
 * poll timer says there may be work; tests call `drain()` after moving their fake clock.
 */
export class WebhookDispatcher {
  readonly settings: WebhookSettings;
  private readonly sender: WebhookSender;
  private readonly random: () => number;
  private inFlight = 0;
  /** Attempts being claimed right now (counted against the concurrency before they launch). */
  private reserved = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private unlisten: (() => Promise<void>) | undefined;
  /** Bumped by every wake-up; a loop that saw it change since its last claim claims again. */
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private readonly roomWaiters = new Set<() => void>();
  private readonly sends = new Set<Promise<void>>();
  private outcomes: Outcome[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DispatcherDeps) {
    const c = deps.config;
    this.settings = { box: new SecretBox(c.secretKey), allowPrivateNetworks: c.allowPrivateNetworks };
    this.sender = new WebhookSender({
      timeoutMs: c.timeoutMs,
      allowPrivateNetworks: c.allowPrivateNetworks,
      maxSockets: c.concurrency,
      lookup: deps.lookup,
    });
    this.random = deps.random ?? Math.random;
  }

  /** One round, waiting for its attempts and their recording; returns events + deliveries taken. */
  async runOnce(): Promise<number> {
    const { count, sends } = await this.claimAndLaunch(this.deps.config.batchSize);
    await Promise.all(sends);
    await this.flush();
    return count;
  }

  /** Rounds until nothing is due (bounded), for tests and the benchmark. */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) return total;
    }
    throw new Error(`webhook deliveries still due after ${maxRounds} rounds`);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.deps.listen) {
      try {
        this.unlisten = await this.deps.listen(WAKE_CHANNEL, () => this.wake());
      } catch (err) {
        this.deps.log.warn({ err }, 'webhook dispatcher cannot LISTEN; polling only');
      }
    }
    // Several claim loops, so one loop's round trips to the database overlap another's sends.
    this.loops = Array.from({ length: CLAIM_LOOPS }, () => this.run());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
    this.loops = [];
    await Promise.allSettled([...this.sends]);
    await this.flush();
    if (this.unlisten) await this.unlisten().catch(() => {});
    this.unlisten = undefined;
    this.sender.close();
  }

  /** Something may be due (a notification, a new delivery): claim now, not at the next poll. */
  wake() {
    this.generation++;
    for (const w of [...this.waiters, ...this.roomWaiters]) w();
  }

  /** An attempt finished: a loop waiting for room may claim again (no new work is implied). */
  private roomFreed() {
    for (const w of this.roomWaiters) w();
  }

  /** Waits for a wake-up after `seen` (or for room, with `forRoom`), or `ms`. */
  private idle(ms: number, seen: number, forRoom = false): Promise<void> {
    if (this.generation !== seen || !this.running) return Promise.resolve();
    const set = forRoom ? this.roomWaiters : this.waiters;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private async run() {
    const { batchSize, concurrency, pollIntervalMs } = this.deps.config;
    const minRoom = Math.max(1, Math.min(batchSize, Math.ceil(concurrency / 8)));
    while (this.running) {
      const seen = this.generation;
      const room = concurrency - this.inFlight - this.reserved;
      if (room < minRoom) {
        // Full: a finishing attempt wakes us.
        await this.idle(pollIntervalMs, seen, true);
        continue;
      }
      const limit = Math.min(room, batchSize);
      let count = 0;
      this.reserved += limit;
      try {
        const round = await this.claimAndLaunch(limit);
        count = round.count;
        for (const s of round.sends) {
          this.sends.add(s);
          void s.finally(() => this.sends.delete(s));
        }
      } catch (err) {
        this.deps.log.error({ err }, 'webhook dispatch round failed');
      } finally {
        this.reserved -= limit;
      }
      if (count === 0) await this.idle(pollIntervalMs, seen);
    }
  }

  private async claimAndLaunch(limit: number): Promise<{ count: number; sends: Promise<void>[] }> {
    const { db, clock, config } = this.deps;
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + config.leaseMs);
    const claim = await withWorker(db, async (tx) => {
      await tuneDispatcherTx(tx);
      const fan = await fanOutEvents(tx, now, limit, leaseUntil);
      const due = await claimDueDeliveries(tx, now, limit - fan.deliveries.length, leaseUntil);
      return { events: fan.events, deliveries: [...fan.deliveries, ...due] };
    });
    if (claim.deliveries.length === 0) return { count: claim.events, sends: [] };
    const byTenant = groupBy(claim.deliveries, (d) => d.tenantId);
    const sends: Promise<void>[] = [];
    await Promise.all(
      [...byTenant].map(async ([tenantId, deliveries]) => {
        let ctx: LoadedContext;
        try {
          const loaded = await withTenant(db, tenantId, (tx) =>
            loadDeliveryContext(tx, tenantId, deliveries),
          );
          ctx = { ...loaded, bodies: new Map(), signers: new Map() };
        } catch (err) {
          // Their leases lapse and another round takes them again.
          this.deps.log.error({ err, tenantId }, 'loading webhook deliveries failed');
          return;
        }
        for (const d of deliveries) sends.push(this.attempt(d, ctx));
      }),
    );
    return { count: claim.events + claim.deliveries.length, sends };
  }

  private signer(ctx: LoadedContext, endpoint: NonNullable<ReturnType<LoadedContext['endpoints']['get']>>) {
    if (ctx.signers.has(endpoint.id)) return ctx.signers.get(endpoint.id)!;
    const { box } = this.settings;
    const now = this.deps.clock.now();
    const current = box.open(endpoint.tenantId, endpoint.id, endpoint.secret);
    const previous =
      endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now
        ? box.open(endpoint.tenantId, endpoint.id, endpoint.previousSecret)
        : null;
    let signer: NodeWebhook | null = null;
    try {
      signer = current ? new NodeWebhook(previous ? [current, previous] : [current]) : null;
    } catch (err) {
      this.deps.log.error({ err, endpoint: endpoint.id }, 'webhook endpoint secret is malformed');
    }
    if (!signer) this.deps.log.error({ endpoint: endpoint.id }, 'webhook endpoint secret cannot be opened');
    ctx.signers.set(endpoint.id, signer);
    return signer;
  }

  private async attempt(d: ClaimedDelivery, ctx: LoadedContext): Promise<void> {
    const { clock } = this.deps;
    this.inFlight++;
    try {
      const endpoint = ctx.endpoints.get(d.endpointId);
      const event = ctx.events.get(d.eventId);
      if (!endpoint || !event) return; // deleted since: its deliveries went with it
      if (endpoint.status !== 'enabled') {
        this.settle({
          delivery: d,
          status: 'failed',
          nextAttemptAt: clock.now(),
          retryStep: d.retryStep,
          lastErrorCode: 'endpoint_disabled',
          endpointFailingSince: endpoint.failingSince,
        });
        return;
      }
      let body = ctx.bodies.get(event.id);
      if (body === undefined) {
        body = eventBody(event);
        ctx.bodies.set(event.id, body);
      }
      const attemptedAt = clock.now();
      const signer = this.signer(ctx, endpoint);
      let result: AttemptResult;
      if (signer) {
        const headers = signer.headers({ id: event.id, timestamp: attemptedAt, payload: body });
        result = await this.sender.send(endpoint.url, headers, body);
      } else {
        result = {
          statusCode: null,
          latencyMs: 0,
          errorCode: 'secret_unavailable',
          errorMessage: 'The signing secret cannot be opened (WEBHOOK_SECRET_KEY missing or changed).',
          responseSnippet: null,
          retryAfter: undefined,
        };
      }
      const now = clock.now();
      const verdict = judgeAttempt(
        {
          statusCode: result.statusCode,
          errorCode: result.errorCode,
          retryAfterMs: parseRetryAfter(result.retryAfter, now),
        },
        d.retryStep,
        now,
        this.random,
      );
      this.settle({
        delivery: d,
        attempt: { attemptedAt, ...result },
        status: verdict.kind === 'succeeded' ? 'succeeded' : verdict.kind === 'retry' ? 'pending' : 'failed',
        nextAttemptAt: verdict.kind === 'retry' ? verdict.at : now,
        retryStep: verdict.kind === 'retry' ? d.retryStep + 1 : d.retryStep,
        lastErrorCode: result.errorCode,
        endpointHealth:
          result.errorCode === 'secret_unavailable'
            ? undefined
            : verdict.kind === 'succeeded'
              ? 'ok'
              : verdict.kind === 'gone'
                ? 'gone'
                : 'failed',
        endpointFailingSince: endpoint.failingSince,
      });
    } catch (err) {
      this.deps.log.error({ err, delivery: d.id }, 'webhook attempt failed unexpectedly');
    } finally {
      this.inFlight--;
      this.roomFreed();
    }
  }

  private settle(outcome: Outcome) {
    this.outcomes.push(outcome);
    if (!this.running) return; // runOnce flushes when its round ends
    if (this.outcomes.length >= FLUSH_SIZE) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Records the outcomes so far, one transaction per tenant; flushes never overlap. */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      const batch = this.outcomes.splice(0);
      if (batch.length === 0) return;
      const { db, clock, log } = this.deps;
      await Promise.all(
        [...groupBy(batch, (o) => o.delivery.tenantId)].map(([tenantId, outcomes]) =>
          withTenant(db, tenantId, async (tx) => {
            await tuneDispatcherTx(tx);
            await recordOutcomes(tx, { tenantId, clock }, outcomes);
          }).catch((err) =>
            // Unrecorded: the leases lapse and the deliveries are sent again (same webhook-id).
            log.error({ err, tenantId, count: outcomes.length }, 'recording webhook outcomes failed'),
          ),
        ),
      );
    });
    return this.flushing;
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
