/**
 * `@mujiang/sdk/webhooks`: verify the API's signed webhooks (Standard Webhooks v1) and get typed
 * events. Bundled from `@mujiang/webhooks`; WebCrypto only, so it runs in Node ≥ 20, browsers and
 * edge runtimes.
 *
 * ```ts
 * import { verifyRequest, type MujiangEvent } from '@mujiang/sdk/webhooks';
 * const event = await verifyRequest<MujiangEvent>(request, process.env.WEBHOOK_SECRET!);
 * if (event.type === 'binding.created') event.data.object.promoter_id; // typed
 * ```
 */
import type { components } from './generated/api';

// The sibling package's source, so both its code and its types are bundled into this entry.
export * from '../../webhooks/src/index';

type Schemas = components['schemas'];

/** What each event type carries in `data.object`. */
export interface EventObjects {
  'promoter.created': Schemas['Promoter'];
  'promoter.updated': Schemas['Promoter'];
  'customer.created': Schemas['Customer'];
  'customer.updated': Schemas['Customer'];
  'binding.created': Schemas['CustomerBinding'];
  'binding.expired': Schemas['CustomerBinding'];
  'binding.released': Schemas['CustomerBinding'];
  'commission.created': Schemas['Commission'];
  'commission.confirmed': Schemas['Commission'];
  'commission.adjusted': Schemas['Commission'];
  'commission.reversed': Schemas['Commission'];
  'settlement.created': Schemas['Settlement'];
  'settlement.paid': Schemas['Settlement'];
  'webhook_endpoint.disabled': Schemas['WebhookEndpoint'];
  'webhook_endpoint.tested': Schemas['WebhookEndpoint'];
}

export type EventType = keyof EventObjects;

type Envelope = Omit<Schemas['Event'], 'type' | 'data'>;

/** A webhook event whose `data.object` is typed by its `type` (narrow with `event.type === …`). */
export type MujiangEvent = {
  [K in EventType]: Envelope & { type: K; data: { object: EventObjects[K] } };
}[EventType];
