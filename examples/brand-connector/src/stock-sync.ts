import { ApiError, type Mujiang, MujiangError } from '@mujiang/sdk';
import type { FeedItem } from './feed';

/** The most SKUs the bulk API takes in one call (`POST /v1/inventory_levels/sync`). */
export const MAX_BATCH = 1_000;

export interface ItemError {
  /** The feed line (CSV) or entry (JSON) of the item. */
  line: number;
  sku: string;
  code: string;
  message: string;
}

export interface BatchProgress {
  batch: number;
  batches: number;
  size: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Items sent so far, this batch included. */
  done: number;
  total: number;
  ms: number;
  /** The request id of the call, to quote to support; or the error that failed the whole batch. */
  requestId?: string | undefined;
  error?: string | undefined;
}

export interface SyncSummary {
  total: number;
  batches: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Items never sent because the sync stopped (the API unreachable, the key refused). */
  notSent: number;
  errors: ItemError[];
  stoppedBy?: string;
  ms: number;
}

export interface SyncOptions {
  /** SKUs per call, 1–1000. Default 1000. */
  batchSize?: number;
  /** Default location for items that name none (else the tenant's default location). */
  locationId?: string;
  onProgress?: (progress: BatchProgress) => void;
}

/**
 * Sets the stock of every item with the bulk API, in batches of at most 1,000. Each item succeeds
 * or fails on its own (the API answers per item); a batch the API refuses as a whole marks its
 * items failed and the next batch goes on, but a refused key (401/403) or an unreachable API (after
 * the SDK's retries) stops the sync. The SDK sends an `Idempotency-Key` with every call and reuses
 * it on its retries; the levels are absolute, so running the same feed again changes nothing.
 */
export async function syncStock(client: Mujiang, items: FeedItem[], options: SyncOptions = {}) {
  const batchSize = options.batchSize ?? MAX_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH}`);
  }
  const started = performance.now();
  const batches = Math.ceil(items.length / batchSize);
  const summary: SyncSummary = {
    total: items.length,
    batches,
    updated: 0,
    unchanged: 0,
    failed: 0,
    notSent: 0,
    errors: [],
    ms: 0,
  };
  for (let b = 0; b < batches; b++) {
    const batch = items.slice(b * batchSize, (b + 1) * batchSize);
    const t0 = performance.now();
    const progress: BatchProgress = {
      batch: b + 1,
      batches,
      size: batch.length,
      updated: 0,
      unchanged: 0,
      failed: 0,
      done: Math.min(items.length, (b + 1) * batchSize),
      total: items.length,
      ms: 0,
    };
    try {
      const { data, response } = await client.inventory
        .sync({
          ...(options.locationId ? { location_id: options.locationId } : {}),
          items: batch.map((i) => ({
            sku: i.sku,
            on_hand: i.on_hand,
            ...(i.location_id ? { location_id: i.location_id } : {}),
          })),
        })
        .withResponse();
      progress.requestId = response.requestId;
      for (const r of data.results) {
        if (r.status === 'updated') progress.updated++;
        else if (r.status === 'unchanged') progress.unchanged++;
        else {
          progress.failed++;
          const item = batch[r.index];
          summary.errors.push({
            line: item?.line ?? 0,
            sku: r.sku,
            code: r.error?.code ?? 'failed',
            message: r.error?.message ?? 'Failed',
          });
        }
      }
    } catch (error) {
      if (!(error instanceof MujiangError)) throw error;
      const fatal = !(error instanceof ApiError) || error.status === 401 || error.status === 403;
      const code = error instanceof ApiError ? error.code : error.name;
      const message = error instanceof ApiError ? error.detail : error.message;
      progress.failed = batch.length;
      progress.error = `${code}: ${message}`;
      progress.requestId = error instanceof ApiError ? error.requestId : undefined;
      for (const item of batch) summary.errors.push({ line: item.line, sku: item.sku, code, message });
      if (fatal) {
        summary.stoppedBy = progress.error;
        summary.notSent = items.length - progress.done;
      }
    }
    progress.ms = Math.round(performance.now() - t0);
    summary.updated += progress.updated;
    summary.unchanged += progress.unchanged;
    summary.failed += progress.failed;
    options.onProgress?.(progress);
    if (summary.stoppedBy) break;
  }
  summary.ms = Math.round(performance.now() - started);
  return summary;
}
