import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../config';
import type { Database, Tx } from '../../db/client';
import { withTenant, withWorker } from '../../db/tenancy';
import { claimDueJobs, completeJob, failJob, type JobRow } from './service';

export interface JobEnv {
  /** The job's tenant transaction; the job is deleted in it when the handler returns. */
  tx: Tx;
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
}

export type JobHandler = (job: JobRow, env: JobEnv) => Promise<void>;

const LOCK_MS = 5 * 60 * 1000;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Runs due jobs. In the server it polls on an interval; tests call `runDue()` after moving
 * their fake clock, so nothing waits on real time. Modules register a handler per job kind.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  register(kind: string, handler: JobHandler) {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    this.handlers.set(kind, handler);
  }

  /** Claims and runs the jobs due now; returns how many it ran (successfully or not). */
  async runDue(limit = 100): Promise<number> {
    const now = this.clock.now();
    const claimed = await withWorker(this.db, (tx) => claimDueJobs(tx, now, limit, LOCK_MS));
    for (const job of claimed) await this.runOne(job);
    return claimed.length;
  }

  /** Runs due jobs until none are left (bounded), for tests and shutdown. */
  async drain(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.runDue();
      total += n;
      if (n === 0) return total;
    }
    throw new Error(`jobs still due after ${maxRounds} rounds`);
  }

  private async runOne(job: JobRow) {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await withTenant(this.db, job.tenantId, async (tx) => {
        await handler(job, { tx, db: this.db, clock: this.clock, log: this.log });
        await completeJob(tx, job);
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, err: message }, 'job failed');
      const backoff = Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.max(0, job.attempts - 1));
      await withWorker(this.db, (tx) =>
        failJob(tx, job, message, new Date(this.clock.now().getTime() + backoff)),
      );
    }
  }

  start(intervalMs: number) {
    if (this.timer) return;
    const tick = async () => {
      if (this.running) return;
      this.running = this.runDue().catch((err) => {
        this.log.error({ err }, 'job runner tick failed');
        return 0;
      });
      const n = await this.running;
      this.running = undefined;
      // Keep going at once while there is a backlog.
      if (n > 0 && this.timer) setImmediate(tick);
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
