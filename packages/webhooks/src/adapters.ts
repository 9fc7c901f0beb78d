import type { HeadersInput, VerifyOptions } from './core';
import { WebhookVerificationError } from './errors';
import { Webhook } from './webhook';

/**
 * Verifying where the body arrives: the signature covers the exact bytes sent, so every helper
 * works on the raw body, never on JSON a framework parsed and could re-serialise differently.
 */

export interface RequestVerifyOptions extends VerifyOptions {
  /** Refuse bodies larger than this many bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

function verifier(secret: string | readonly string[] | Webhook): Webhook {
  return secret instanceof Webhook ? secret : new Webhook(secret);
}

function tooLarge(max: number) {
  return new WebhookVerificationError('body_unavailable', `The body is larger than ${max} bytes.`);
}

/** Fetch-style handlers (Next.js route handlers, Hono, Cloudflare Workers, Deno, Bun). */
export async function verifyRequest<T = unknown>(
  request: { headers: HeadersInput; arrayBuffer(): Promise<ArrayBuffer> },
  secret: string | readonly string[] | Webhook,
  options: RequestVerifyOptions = {},
): Promise<T> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > max) throw tooLarge(max);
  return verifier(secret).verify<T>(body, request.headers, options);
}

/** The parts of Node's `http.IncomingMessage` this needs: its headers and its body stream. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  headers: Record<string, string | string[] | undefined>;
}

/** Reads a Node request body to the end, as bytes (at most `maxBodyBytes`). */
export async function readRawBody(req: AsyncIterable<Uint8Array | string>, maxBodyBytes = DEFAULT_MAX_BODY) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.length;
    if (size > maxBodyBytes) throw tooLarge(maxBodyBytes);
    chunks.push(bytes);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Node `http`/`https` servers and Express without a body parser on the route: reads the body. */
export async function verifyNodeRequest<T = unknown>(
  req: NodeRequestLike,
  secret: string | readonly string[] | Webhook,
  options: RequestVerifyOptions = {},
): Promise<T> {
  const body = await readRawBody(req, options.maxBodyBytes);
  return verifier(secret).verify<T>(body, req.headers, options);
}

/** A request that kept its raw body (see `keepRawJsonBody`). */
export interface RawBodyRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Uint8Array | string | undefined;
}

/**
 * A Fastify content-type parser that keeps the raw body on `request.rawBody` and parses JSON:
 * `app.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepRawJsonBody)`
 * (register it in the plugin that holds your webhook route).
 */
export async function keepRawJsonBody(request: RawBodyRequest, body: Uint8Array | string): Promise<unknown> {
  request.rawBody = body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    (err as { statusCode?: number }).statusCode = 400;
    throw err;
  }
}

/** Fastify: verifies `request.rawBody` kept by `keepRawJsonBody`. */
export function verifyFastifyRequest<T = unknown>(
  request: RawBodyRequest,
  secret: string | readonly string[] | Webhook,
  options: VerifyOptions = {},
): Promise<T> {
  if (request.rawBody === undefined) {
    return Promise.reject(
      new WebhookVerificationError(
        'body_unavailable',
        "The raw body was not kept: register keepRawJsonBody as the 'application/json' parser.",
      ),
    );
  }
  return verifier(secret).verify<T>(request.rawBody, request.headers, options);
}
