import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { addStaff, cookie, OWN_ORIGIN, sessionCookieOf, TEST_PASSWORD } from '../testing/staff-fixtures.ts';

const TTL_SECONDS = 3600;
let clock = new Date('2026-11-25T10:00:00Z');
let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('auth_session', {
    now: () => clock,
    env: {
      STAFF_SESSION_TTL_SECONDS: String(TTL_SECONDS),
      LOGIN_LIMIT_PER_ACCOUNT: '4',
      LOGIN_LIMIT_PER_IP: '6',
      LOGIN_LIMIT_WINDOW_SECONDS: '900',
    },
  });
  await addStaff(t.database.db, { email: 'bob@example.com', role: 'agent' });
  await addStaff(t.database.db, { email: 'gone@example.com', role: 'agent', state: 'disabled' });
});
afterAll(async () => {
  await t?.close();
});

/** Each test signs in as its own account: the per-account limit is low here. */
let people = 0;
async function someone(): Promise<string> {
  const email = `person${++people}@example.com`;
  await addStaff(t.database.db, { email, role: 'agent' });
  return email;
}

let nextIp = 1;
const freshIp = () => `192.0.2.${nextIp++}`;

/** The "this browser signed in before" cookie a successful sign-in leaves. */
const deviceCookieOf = (res: Response) => /vd_device=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

const login = (email: string, password: string, ip = freshIp(), device?: string) =>
  t.request(
    '/v1/auth/login',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: OWN_ORIGIN,
        ...(device ? { cookie: `vd_device=${device}` } : {}),
      },
      body: JSON.stringify({ email, password }),
    },
    ip,
  );
const session = (token: string) => t.request('/v1/auth/session', { headers: cookie(token) });
const logout = (token: string) =>
  t.request('/v1/auth/logout', { method: 'POST', headers: { ...cookie(token), origin: OWN_ORIGIN } });

describe('login, session, logout', () => {
  it('signs in with the right password, whatever the case of the email', async () => {
    const email = await someone();
    const res = await login(email.toUpperCase(), TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe(email);
    const token = sessionCookieOf(res) as string;
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/i); // plain http here
    expect((await session(token)).status).toBe(200);
  });

  it.each([
    ['a wrong password', 'bob@example.com', 'not the password at all'],
    ['an unknown email', 'nobody@example.com', TEST_PASSWORD],
    ['a disabled account', 'gone@example.com', TEST_PASSWORD],
  ])('answers %s with the same 401 invalid_credentials and no cookie', async (_what, email, password) => {
    const res = await login(email, password);
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('refuses a sign-in posted by another site (login CSRF), but not one from a program without Origin', async () => {
    const email = await someone();
    const foreign = await t.request(
      '/v1/auth/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ email, password: TEST_PASSWORD }),
      },
      freshIp(),
    );
    expect(await errorOf(foreign)).toMatchObject({ status: 403, code: 'origin_refused' });
    expect(sessionCookieOf(foreign)).toBeUndefined();
    const program = await t.request(
      '/v1/auth/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: TEST_PASSWORD }),
      },
      freshIp(),
    );
    expect(program.status).toBe(200);
  });

  it('logs out: the session is revoked on the server, not only the cookie cleared', async () => {
    const token = sessionCookieOf(await login(await someone(), TEST_PASSWORD)) as string;
    const res = await logout(token);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/vd_session=;/);
    expect((await session(token)).status).toBe(401);
    const stored = await t.database.db.query.staffSessions.findMany();
    expect(stored.every((s) => s.tokenHash !== token && s.tokenHash.length === 64)).toBe(true);
  });

  it('refuses a logout without our Origin (403 origin_refused), and the session lives on', async () => {
    const token = sessionCookieOf(await login(await someone(), TEST_PASSWORD)) as string;
    const res = await t.request('/v1/auth/logout', { method: 'POST', headers: cookie(token) });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: 'origin_refused' });
    expect((await session(token)).status).toBe(200);
  });

  it('ends a session after the TTL without use, and slides it while used', async () => {
    const token = sessionCookieOf(await login(await someone(), TEST_PASSWORD)) as string;
    const start = clock;
    try {
      // Used every 40 minutes for 2 hours: still signed in, though the TTL is one hour.
      for (let i = 1; i <= 3; i++) {
        clock = new Date(start.getTime() + i * 40 * 60_000);
        expect((await session(token)).status).toBe(200);
      }
      clock = new Date(clock.getTime() + (TTL_SECONDS + 1) * 1000);
      expect((await session(token)).status).toBe(401);
    } finally {
      clock = start;
    }
  });
});

describe('brute force', () => {
  it('429s an account after too many failed attempts, even from many addresses, and even with the right password from a new browser', async () => {
    const target = await someone();
    const other = await someone();
    const limit = t.deps.config.staff.loginLimitPerAccount;
    for (let i = 0; i < limit; i++) expect((await login(target, `guess number ${i}`)).status).toBe(401);
    const res = await login(target, TEST_PASSWORD);
    expect(await errorOf(res)).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not locked by it.
    expect((await login(other, TEST_PASSWORD)).status).toBe(200);
  });

  it('never counts successful sign-ins against the account', async () => {
    const owner = await someone();
    const limit = t.deps.config.staff.loginLimitPerAccount;
    for (let i = 0; i < limit + 2; i++) expect((await login(owner, TEST_PASSWORD)).status).toBe(200);
  });

  it('lets the owner in from a browser that signed in before while strangers flood the account', async () => {
    const owner = await someone();
    const first = await login(owner, TEST_PASSWORD);
    expect(first.status).toBe(200);
    const device = deviceCookieOf(first);
    expect(device).toBeTruthy();
    const limit = t.deps.config.staff.loginLimitPerAccount;
    for (let i = 0; i < limit; i++) expect((await login(owner, `guess number ${i}`)).status).toBe(401);
    // A new browser is refused, right password or not: a guesser learns nothing from the answer.
    expect((await login(owner, TEST_PASSWORD)).status).toBe(429);
    // The owner's own browser, from a new address, still gets in.
    const back = await login(owner, TEST_PASSWORD, freshIp(), device);
    expect(back.status).toBe(200);
    // A known browser's own wrong guesses are limited too.
    for (let i = 0; i < limit; i++)
      expect((await login(owner, `stolen cookie ${i}`, freshIp(), device)).status).toBe(401);
    expect((await login(owner, TEST_PASSWORD, freshIp(), device)).status).toBe(429);
  });

  it("does not open a flooded account to another account's browser, or to a made-up cookie", async () => {
    const owner = await someone();
    const stranger = await someone();
    const strangers = deviceCookieOf(await login(stranger, TEST_PASSWORD));
    expect(strangers).toBeTruthy();
    const limit = t.deps.config.staff.loginLimitPerAccount;
    for (let i = 0; i < limit; i++) await login(owner, `guess number ${i}`);
    expect((await login(owner, TEST_PASSWORD, freshIp(), strangers)).status).toBe(429);
    const [expires] = (strangers ?? '').split('.');
    expect((await login(owner, TEST_PASSWORD, freshIp(), `${expires}.${'A'.repeat(43)}`)).status).toBe(429);
  });

  it('429s an address trying many accounts', async () => {
    const ip = '203.0.113.50';
    const victim = await someone();
    const limit = t.deps.config.staff.loginLimitPerIp;
    for (let i = 0; i < limit; i++)
      expect((await login(`user${i}@example.com`, 'whatever it is', ip)).status).toBe(401);
    expect((await login(victim, TEST_PASSWORD, ip)).status).toBe(429);
    expect((await login(victim, TEST_PASSWORD, '203.0.113.51')).status).toBe(200);
  });

  it('opens again when Retry-After says, not a second sooner', async () => {
    const target = await someone();
    const limit = t.deps.config.staff.loginLimitPerAccount;
    for (let i = 0; i < limit; i++) await login(target, `guess number ${i}`);
    const refused = await login(target, TEST_PASSWORD);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    // The failures all came at once: they leave the last 900 s gradually, after one window.
    expect(retryAfter).toBeGreaterThan(900);
    const start = clock;
    try {
      clock = new Date(start.getTime() + (retryAfter - 1) * 1000);
      expect((await login(target, TEST_PASSWORD)).status).toBe(429);
      clock = new Date(start.getTime() + retryAfter * 1000);
      expect((await login(target, TEST_PASSWORD)).status).toBe(200);
    } finally {
      clock = start;
    }
  });
});

describe('behind HTTPS (PUBLIC_BASE_URL)', () => {
  let https: RouteApp;
  beforeAll(async () => {
    https = await startRouteApp('auth_https', { env: { PUBLIC_BASE_URL: 'https://desk.example.com' } });
    await addStaff(https.database.db, { email: 'sec@example.com', role: 'agent' });
  });
  afterAll(async () => {
    await https?.close();
  });

  it('marks the cookie Secure, and takes the public origin as our own', async () => {
    const res = await https.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://desk.example.com' },
      body: JSON.stringify({ email: 'sec@example.com', password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const token = sessionCookieOf(res) as string;
    const fromHost = await https.request('/v1/auth/logout', {
      method: 'POST',
      headers: { ...cookie(token), origin: OWN_ORIGIN },
    });
    expect(await errorOf(fromHost)).toMatchObject({ status: 403, code: 'origin_refused' });
    const ours = await https.request('/v1/auth/logout', {
      method: 'POST',
      headers: { ...cookie(token), origin: 'https://desk.example.com' },
    });
    expect(ours.status).toBe(204);
  });
});
