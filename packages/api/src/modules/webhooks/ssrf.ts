import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Server-side request forgery guard. A webhook URL is chosen by a tenant, so without a guard
 * any tenant could make our servers call the cloud metadata service, the database, or anything
 * else on the private network. Every attempt resolves the host once, refuses if any address is
 * special-purpose, and connects to the address that was checked (sender.ts pins it), so a DNS
 * answer that changes between the check and the connection (rebinding) cannot get through.
 */

const RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'ipv4', 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'ipv4', 'link-local, cloud metadata (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'ipv4', 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'ipv4', 'documentation (192.0.2.0/24)'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay anycast (192.88.99.0/24)'],
  ['192.168.0.0', 16, 'ipv4', 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'ipv4', 'documentation (198.51.100.0/24)'],
  ['203.0.113.0', 24, 'ipv4', 'documentation (203.0.113.0/24)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'ipv4', 'reserved and broadcast (240.0.0.0/4)'],
  ['::', 128, 'ipv6', 'unspecified (::)'],
  ['::1', 128, 'ipv6', 'loopback (::1)'],
  ['::ffff:0:0', 96, 'ipv6', 'IPv4-mapped (::ffff:0:0/96)'],
  ['::', 96, 'ipv6', 'IPv4-compatible (::/96)'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64 (64:ff9b::/96)'],
  ['64:ff9b:1::', 48, 'ipv6', 'local NAT64 (64:ff9b:1::/48)'],
  ['100::', 64, 'ipv6', 'discard-only (100::/64)'],
  ['2001::', 23, 'ipv6', 'IETF protocol assignments, Teredo (2001::/23)'],
  ['2001:db8::', 32, 'ipv6', 'documentation (2001:db8::/32)'],
  ['2002::', 16, 'ipv6', '6to4 (2002::/16)'],
  ['fc00::', 7, 'ipv6', 'unique local (fc00::/7)'],
  ['fe80::', 10, 'ipv6', 'link-local (fe80::/10)'],
  ['fec0::', 10, 'ipv6', 'site-local (fec0::/10)'],
  ['ff00::', 8, 'ipv6', 'multicast (ff00::/8)'],
];

const LISTS = RANGES.map(([network, prefix, type, label]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, label };
});

/** Why an IP address may not be a webhook target, or null when it is a public unicast address. */
export function blockedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const r of LISTS) if (r.type === type && r.list.check(address, type)) return r.label;
  return null;
}

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const DNS_CACHE_MS = 30_000;
const DNS_CACHE_MAX = 10_000;

/**
 * The system resolver behind a 30 s cache: getaddrinfo runs on libuv's small thread pool, and
 * thousands of attempts a second to a few hosts need not ask it each time. Cached answers are
 * checked at every attempt like fresh ones, and the connection still goes to the checked one.
 */
export function cachedLookup(resolve: LookupAll = systemLookup, ttlMs = DNS_CACHE_MS): LookupAll {
  const cache = new Map<
    string,
    { at: number; answer: Promise<Array<{ address: string; family: number }>> }
  >();
  return (hostname) => {
    const now = Date.now();
    const hit = cache.get(hostname);
    if (hit && now - hit.at < ttlMs) return hit.answer;
    if (cache.size >= DNS_CACHE_MAX) cache.clear();
    const answer = resolve(hostname);
    cache.set(hostname, { at: now, answer });
    // A failure is not cached.
    answer.catch(() => cache.delete(hostname));
    return answer;
  };
}

export class AddressNotAllowedError extends Error {
  readonly code = 'address_not_allowed' as const;
}
export class DnsError extends Error {
  readonly code = 'dns_failed' as const;
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host to the one address to connect to. Refuses when the host, or any
 * address it resolves to, is special-purpose, unless private networks are allowed.
 */
export async function resolveTarget(
  url: URL,
  options: { allowPrivateNetworks: boolean; lookup?: LookupAll | undefined },
): Promise<{ address: string; family: 4 | 6 }> {
  const host = bareHost(url);
  const literal = isIP(host);
  let addresses: Array<{ address: string; family: number }>;
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await (options.lookup ?? systemLookup)(host);
    } catch (err) {
      throw new DnsError(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    if (addresses.length === 0) throw new DnsError(`${host} resolves to no address.`);
  }
  if (!options.allowPrivateNetworks) {
    for (const a of addresses) {
      const reason = blockedAddressReason(a.address);
      if (reason) throw new AddressNotAllowedError(`${host} resolves to ${a.address}: ${reason}.`);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Host names that are loopback by definition (RFC 6761), refused when an endpoint is saved. */
export function isLocalHostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}
