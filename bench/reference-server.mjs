import Fastify from 'fastify';

/**
 * The reference: a bare Fastify route answering the same JSON body from memory. The body is
 * fetched once from the real endpoint (URL and key in argv), so both serve identical bytes.
 */
const [sourceUrl, key] = process.argv.slice(2);
const res = await fetch(sourceUrl, { headers: { authorization: `Bearer ${key}` } });
const body = await res.text();
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/reference', async (_req, reply) => reply.type('application/json').send(body));
// For write scenarios: takes a JSON body and answers the same bytes (no work behind it).
app.post('/reference', async (_req, reply) => reply.type('application/json').send(body));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1', backlog: 4096 });
