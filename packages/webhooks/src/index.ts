/**
 * @mujiang/webhooks: Standard Webhooks v1 (https://www.standardwebhooks.com) for the 木匠
 * storefront API. Everything here uses WebCrypto and no Node modules, so it runs in Node ≥ 20,
 * browsers, Deno, Bun and edge workers. `@mujiang/webhooks/node` adds a synchronous path.
 */
export {
  keepRawJsonBody,
  type NodeRequestLike,
  type RawBodyRequest,
  type RequestVerifyOptions,
  readRawBody,
  verifyFastifyRequest,
  verifyNodeRequest,
  verifyRequest,
} from './adapters';
export {
  DEFAULT_TOLERANCE_SECONDS,
  decodeSecret,
  generateSecret,
  HEADER_ID,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  type HeadersInput,
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  type Payload,
  SECRET_PREFIX,
  type SignInput,
  type VerifiedMessage,
  type VerifyOptions,
  type WebhookHeaders,
} from './core';
export {
  WebhookError,
  WebhookSecretError,
  type WebhookSecretErrorCode,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors';
export { sign, verify, Webhook } from './webhook';
