/** Why a secret was refused: a configuration problem on the receiving side, not a bad request. */
export type WebhookSecretErrorCode = 'invalid_secret';

/** Why a delivery was refused; every code is stable, so receivers can log and count them. */
export type WebhookVerificationErrorCode =
  /** `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent or empty. */
  | 'missing_header'
  /** `webhook-timestamp` is not a whole number of seconds. */
  | 'invalid_timestamp'
  /** Signed more than the tolerance (300 s by default) before now: a late or replayed message. */
  | 'timestamp_too_old'
  /** Signed more than the tolerance after now: a clock far ahead, or a forged timestamp. */
  | 'timestamp_too_new'
  /** The header holds no `v1,<base64>` signature at all. */
  | 'invalid_signature_header'
  /** No signature in the header matches the body and headers with any of the secrets. */
  | 'no_matching_signature'
  /** The signature matched but the body is not JSON (only where JSON was asked for). */
  | 'invalid_json'
  /** The raw body was not available (a framework already parsed it) or was too large. */
  | 'body_unavailable';

export class WebhookError extends Error {
  constructor(
    readonly code: WebhookSecretErrorCode | WebhookVerificationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** The secret given to sign or verify is not a Standard Webhooks secret (`whsec_` + base64). */
export class WebhookSecretError extends WebhookError {
  declare readonly code: WebhookSecretErrorCode;
  constructor(message: string) {
    super('invalid_secret', message);
    this.name = 'WebhookSecretError';
  }
}

/** A delivery failed verification: answer it with 400 and do not act on it. */
export class WebhookVerificationError extends WebhookError {
  declare readonly code: WebhookVerificationErrorCode;
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(code, message);
    this.name = 'WebhookVerificationError';
  }
}
