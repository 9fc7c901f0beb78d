import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AttemptErrorCode } from './rules';
import { AddressNotAllowedError, cachedLookup, DnsError, type LookupAll, resolveTarget } from './ssrf';

export interface AttemptResult {
  statusCode: number | null;
  latencyMs: number;
  errorCode: AttemptErrorCode | null;
  errorMessage: string | null;
  responseSnippet: string | null;
  retryAfter: string | undefined;
}

export interface SenderOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Sockets per receiving origin; the total is capped by the dispatcher's concurrency. */
  maxSocketsPerOrigin?: number;
  maxSockets?: number;
  /**
   * DNS resolution; by default the system's behind a short cache (tests give a fake one).
   * Nothing here re-resolves after the check.
   */
  lookup?: LookupAll | undefined;
}

/** How much of a response body is kept for the delivery log, and read at most. */
export const SNIPPET_BYTES = 1024;
const READ_LIMIT_BYTES = 64 * 1024;
const USER_AGENT = 'mujiang-webhooks/1.0 (+Standard Webhooks)';

/** A `lookup` for http.request that answers with the already-checked address only. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

function classify(err: NodeJS.ErrnoException): AttemptErrorCode {
  if (err instanceof AddressNotAllowedError) return 'address_not_allowed';
  if (err instanceof DnsError) return 'dns_failed';
  const code = err.code ?? '';
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'EPROTO') return 'tls_error';
  return 'connection_failed';
}

/**
 * One POST per attempt over keep-alive agents: 15 s for the whole exchange, redirects never
 * followed (node:http does not follow them; a 3xx is a failed attempt), the connection pinned
 * to the address the SSRF guard checked.
 */
export class WebhookSender {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  private readonly lookup: LookupAll;

  constructor(private readonly options: SenderOptions) {
    this.lookup = options.lookup ?? cachedLookup();
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSocketsPerOrigin ?? 64,
      maxTotalSockets: options.maxSockets ?? 512,
      maxFreeSockets: 64,
      scheduling: 'lifo' as const,
    };
    this.http = new HttpAgent(agentOptions);
    this.https = new HttpsAgent(agentOptions);
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = new URL(url);
    let pinned: { address: string; family: 4 | 6 };
    try {
      pinned = await resolveTarget(target, {
        allowPrivateNetworks: this.options.allowPrivateNetworks,
        lookup: this.lookup,
      });
    } catch (err) {
      return this.failure(classify(err as Error), (err as Error).message, elapsed());
    }
    const secure = target.protocol === 'https:';
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const payload = Buffer.from(body, 'utf8');
    const options: RequestOptions & { servername?: string } = {
      method: 'POST',
      host,
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      headers: {
        ...headers,
        host: target.host,
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'user-agent': USER_AGENT,
      },
      agent: secure ? this.https : this.http,
      lookup: pinnedLookup(pinned.address, pinned.family),
    };
    if (secure && host !== pinned.address) options.servername = host;

    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = (secure ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const statusCode = res.statusCode ?? null;
          const snippet = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
          const redirect = statusCode !== null && statusCode >= 300 && statusCode < 400;
          const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
          finish({
            statusCode,
            latencyMs: elapsed(),
            errorCode: ok ? null : redirect ? 'redirect_not_followed' : 'http_error',
            errorMessage: ok
              ? null
              : redirect
                ? `Answered ${statusCode} (redirect to ${res.headers.location ?? 'nowhere'}); redirects are not followed.`
                : `Answered ${statusCode}.`,
            responseSnippet: snippet || null,
            retryAfter: res.headers['retry-after'],
          });
        };
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= READ_LIMIT_BYTES) chunks.push(chunk);
          else {
            // Enough of that: the answer is known, the rest is not worth the bandwidth.
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', done);
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(this.failure('timeout', `No complete answer within ${this.options.timeoutMs} ms.`, elapsed()));
      }, this.options.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish(this.failure(classify(err), `${err.code ?? 'error'}: ${err.message}`, elapsed())),
      );
      req.end(payload);
    });
  }

  private failure(errorCode: AttemptErrorCode, message: string, latencyMs: number): AttemptResult {
    return {
      statusCode: null,
      latencyMs,
      errorCode,
      errorMessage: message.slice(0, 500),
      responseSnippet: null,
      retryAfter: undefined,
    };
  }

  close() {
    this.http.destroy();
    this.https.destroy();
  }
}
