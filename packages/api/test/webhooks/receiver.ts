import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; [k: string]: any };
  at: number;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answer (for timeouts). */
  | 'hang';

/** A real HTTP receiver on loopback that records every request; tests decide the answers. */
export class Receiver {
  readonly received: Received[] = [];
  respond: (r: Received) => Reply = () => ({ status: 200, body: 'ok' });
  private server: Server | undefined;
  private hanging = new Set<import('node:http').ServerResponse>();
  url = '';

  async start(path = '/hooks') {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let event: Received['event'];
        try {
          event = JSON.parse(body);
        } catch {
          event = { id: '', type: '' };
        }
        const r: Received = { headers: req.headers, body, event, at: performance.now() };
        this.received.push(r);
        const reply = this.respond(r);
        if (reply === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  get port() {
    return (this.server!.address() as AddressInfo).port;
  }

  clear() {
    this.received.length = 0;
  }

  /** Waits (bounded) until `n` requests have arrived; for real I/O only. */
  async waitFor(n: number, timeoutMs = 20_000) {
    const until = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`received ${this.received.length} of ${n} requests`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close() {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
