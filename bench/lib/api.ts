import { PLATFORM_TOKEN } from './env';

/** A tiny client for seeding through the public API (the benchmarks use no internals). */
export async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function createTenant(base: string, name: string) {
  const t = await call(base, PLATFORM_TOKEN, 'POST', '/v1/tenants', { name });
  return { id: t.id as string, secretKey: t.api_key.secret as string };
}
