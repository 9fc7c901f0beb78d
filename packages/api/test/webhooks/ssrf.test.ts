import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressNotAllowedError,
  blockedAddressReason,
  cachedLookup,
  DnsError,
  type LookupAll,
  resolveTarget,
} from '../../src/modules/webhooks/ssrf';
import {
  createTestTenant,
  expectStatus,
  FakeClock,
  type TestApp,
  type TestTenant,
  testApp,
  testWebhooks,
} from '../helpers';
import { Receiver } from './receiver';

describe('the SSRF guard, by address (no traffic is sent)', () => {
  const refused: Array<[string, RegExp]> = [
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['10.0.0.1', /private/],
    ['10.255.255.255', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['127.53.0.1', /loopback/],
    ['169.254.169.254', /link-local/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.0.0.8', /IETF/],
    ['192.0.2.10', /documentation/],
    ['192.88.99.1', /6to4/],
    ['192.168.1.1', /private/],
    ['198.18.0.1', /benchmarking/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['224.0.0.251', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /reserved/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped/],
    ['::ffff:7f00:1', /IPv4-mapped/],
    ['::ffff:169.254.169.254', /IPv4-mapped/],
    ['::ffff:8.8.8.8', /IPv4-mapped/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /NAT64/],
    ['100::1', /discard/],
    ['2001::1', /Teredo/],
    ['2001:db8::1', /documentation/],
    ['2002:a9fe:a9fe::1', /6to4/],
    ['fc00::1', /unique local/],
    ['fd12:3456:789a::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
  ];
  for (const [address, reason] of refused) {
    it(`refuses ${address}`, () => {
      expect(blockedAddressReason(address)).toMatch(reason);
    });
  }

  it('allows public unicast addresses, including the neighbours of refused ranges', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '169.253.255.255',
      '223.255.255.255',
      '2606:4700:4700::1111',
      '2a00:1450:4001::200e',
    ]) {
      expect(blockedAddressReason(address), address).toBe(null);
    }
  });

  const fakeDns =
    (table: Record<string, string[]>): LookupAll =>
    async (host) => {
      const list = table[host];
      if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const dns = fakeDns({
    'public.example': ['93.184.216.34'],
    'metadata.example': ['169.254.169.254'],
    'mixed.example': ['93.184.216.34', '10.0.0.7'],
    'v6.example': ['2606:4700:4700::1111', 'fd00::1'],
  });
  const strict = { allowPrivateNetworks: false, lookup: dns };

  it('resolves once and refuses a host if any of its addresses is special-purpose', async () => {
    await expect(resolveTarget(new URL('https://public.example/x'), strict)).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    for (const host of ['metadata.example', 'mixed.example', 'v6.example']) {
      await expect(resolveTarget(new URL(`https://${host}/x`), strict), host).rejects.toBeInstanceOf(
        AddressNotAllowedError,
      );
    }
    // IP literals are checked without any lookup, in every spelling URL parsing normalises.
    for (const url of [
      'https://0x7f.1/',
      'https://[::ffff:127.0.0.1]/',
      'https://017700000001/',
      'https://[fd00::1]:8443/',
    ]) {
      await expect(resolveTarget(new URL(url), strict), url).rejects.toBeInstanceOf(AddressNotAllowedError);
    }
    await expect(resolveTarget(new URL('https://nowhere.example/'), strict)).rejects.toBeInstanceOf(DnsError);
    // Switched off for development and tests.
    await expect(
      resolveTarget(new URL('https://metadata.example/'), { allowPrivateNetworks: true, lookup: dns }),
    ).resolves.toEqual({ address: '169.254.169.254', family: 4 });
  });
});

describe('the guard in delivery', () => {
  const clock = new FakeClock();
  const receiver = new Receiver();
  let strict: TestApp;
  let open: TestApp;
  let tenant: TestTenant;
  const lookups: string[] = [];
  let port = 0;
  const dns: LookupAll = async (host) => {
    lookups.push(host);
    if (host === 'metadata.example.com') return [{ address: '169.254.169.254', family: 4 }];
    if (host === 'receiver.mujiang.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    await receiver.start();
    port = receiver.port;
    strict = await testApp(
      { clock, webhooks: testWebhooks({ allowPrivateNetworks: false }) },
      { webhookLookup: dns },
    );
    open = await testApp({ clock, webhooks: testWebhooks() }, { webhookLookup: dns });
    tenant = await createTestTenant(strict);
  });
  afterAll(() => receiver.close());

  it('refuses, at the attempt, a public host name that resolves to the metadata address', async () => {
    const endpoint = await strict.request({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      key: tenant.secretKey,
      body: { url: 'https://metadata.example.com/latest/meta-data' },
    });
    expectStatus(endpoint, 201);
    const test = await strict.request({
      method: 'POST',
      url: `/v1/webhook_endpoints/${endpoint.body.id}/test`,
      key: tenant.secretKey,
    });
    await strict.app.webhooks.drain();
    const delivery = await strict.request({
      method: 'GET',
      url: `/v1/webhook_deliveries/${test.body.id}`,
      key: tenant.secretKey,
    });
    expect(delivery.body).toMatchObject({
      status: 'pending',
      last_status_code: null,
      last_error_code: 'address_not_allowed',
    });
    expect(delivery.body.attempts[0].error_message).toMatch(/169\.254\.169\.254.*link-local/);
    await strict.request({
      method: 'DELETE',
      url: `/v1/webhook_endpoints/${endpoint.body.id}`,
      key: tenant.secretKey,
    });
  });

  it('connects to the address it resolved, and resolves once per attempt (no re-resolving)', async () => {
    // `.test` names never resolve through the system: only the pinned address can reach the receiver.
    const endpoint = await open.request({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      key: tenant.secretKey,
      body: { url: `http://receiver.mujiang.test:${port}/hooks` },
    });
    expectStatus(endpoint, 201);
    lookups.length = 0;
    await open.request({
      method: 'POST',
      url: `/v1/webhook_endpoints/${endpoint.body.id}/test`,
      key: tenant.secretKey,
    });
    await open.app.webhooks.drain();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.host).toBe(`receiver.mujiang.test:${port}`);
    expect(lookups).toEqual(['receiver.mujiang.test']);
  });
});

describe('the DNS cache', () => {
  it('answers a host from cache for 30 s, does not cache failures, and is still checked', async () => {
    let calls = 0;
    const lookup = cachedLookup(async (host) => {
      calls++;
      if (host === 'down.example') throw Object.assign(new Error('no'), { code: 'ENOTFOUND' });
      return [{ address: host === 'inside.example' ? '10.0.0.5' : '93.184.216.34', family: 4 }];
    }, 30_000);
    expect(await lookup('a.example')).toEqual([{ address: '93.184.216.34', family: 4 }]);
    await lookup('a.example');
    expect(calls).toBe(1);
    await expect(lookup('down.example')).rejects.toThrow();
    await expect(lookup('down.example')).rejects.toThrow();
    expect(calls).toBe(3);
    const strict = { allowPrivateNetworks: false, lookup };
    await expect(resolveTarget(new URL('https://inside.example/'), strict)).rejects.toBeInstanceOf(
      AddressNotAllowedError,
    );
    await expect(resolveTarget(new URL('https://inside.example/'), strict)).rejects.toBeInstanceOf(
      AddressNotAllowedError,
    );
    expect(calls).toBe(4);
  });
});
