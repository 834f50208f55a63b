import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp, TEST_ORIGIN } from '../testing/route-app.ts';

const LIMIT = 3;
const createCall = (t: RouteApp, remote: string, headers: Record<string, string> = {}) =>
  t.request(
    '/v1/calls',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN, ...headers },
      body: JSON.stringify({ siteKey: t.siteKey }),
    },
    remote,
  );

/** Statuses of `n` calls, each from the address and headers that `nth(i)` gives. */
async function statuses(t: RouteApp, n: number, nth: (i: number) => [string, Record<string, string>?]) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await createCall(t, ...nth(i))).status);
  return out;
}

describe('behind one proxy hop (TRUST_PROXY=1)', () => {
  let t: RouteApp;
  beforeAll(async () => {
    t = await startRouteApp('access_ip_hops', {
      env: { TRUST_PROXY: '1', CALL_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts the address the proxy saw, whatever the client wrote to the left of it', async () => {
    // The proxy (10.0.0.1) appends the peer it saw; the visitor forges a new entry every time.
    const got = await statuses(t, LIMIT + 2, (i) => [
      '10.0.0.1',
      { 'x-forwarded-for': `198.51.100.${i + 1}, 203.0.113.7` },
    ]);
    expect(got).toEqual([201, 201, 201, 429, 429]);
  });

  it('still tells two real visitors behind the same proxy apart', async () => {
    expect((await createCall(t, '10.0.0.1', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(201);
  });
});

describe('behind a listed proxy (TRUST_PROXY=10.0.0.0/8)', () => {
  let t: RouteApp;
  beforeAll(async () => {
    t = await startRouteApp('access_ip_list', {
      env: { TRUST_PROXY: '10.0.0.0/8', CALL_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ignores X-Forwarded-For from a peer that is not a listed proxy', async () => {
    const got = await statuses(t, LIMIT + 1, (i) => [
      '192.0.2.50',
      { 'x-forwarded-for': `198.51.100.${i + 1}` },
    ]);
    expect(got).toEqual([201, 201, 201, 429]);
  });

  it('walks back through listed proxies to the first untrusted address', async () => {
    const got = await statuses(t, LIMIT + 1, (i) => [
      '10.0.0.2',
      { 'x-forwarded-for': `198.51.100.${i + 1}, 192.0.2.60, 10.0.0.9` },
    ]);
    expect(got).toEqual([201, 201, 201, 429]);
  });
});

describe('without a proxy (TRUST_PROXY unset)', () => {
  let t: RouteApp;
  beforeAll(async () => {
    t = await startRouteApp('access_ip_direct', { env: { CALL_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('groups IPv6 visitors by /64, so rotating the interface id does not reset the limit', async () => {
    const got = await statuses(t, LIMIT + 2, (i) => [`2001:db8:abcd:12::${(i + 1).toString(16)}`]);
    expect(got).toEqual([201, 201, 201, 429, 429]);
    // A neighbouring /64 is another visitor.
    expect((await createCall(t, '2001:db8:abcd:13::1')).status).toBe(201);
  });

  it('counts an IPv4-mapped IPv6 peer as its IPv4 address', async () => {
    const got = await statuses(t, LIMIT + 1, (i) => [i % 2 ? '192.0.2.9' : '::ffff:192.0.2.9']);
    expect(got).toEqual([201, 201, 201, 429]);
  });
});
