import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSetupCode } from '../services/staff/setup-code.ts';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { OWN_ORIGIN, sessionCookieOf } from '../testing/staff-fixtures.ts';

let t: RouteApp;
let code: string;
beforeAll(async () => {
  t = await startRouteApp('auth_setup', { env: { LOGIN_LIMIT_PER_IP: '5' } });
  // What startApiServer does at start while no admin exists.
  code = (await announceSetupCode(t.database.db, t.deps.logger, 'http://localhost')) ?? '';
});
afterAll(async () => {
  await t?.close();
});

const setup = (body: Record<string, unknown>, ip = '198.51.100.7') =>
  t.request(
    '/v1/auth/setup',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: OWN_ORIGIN },
      body: JSON.stringify({
        email: 'Owner@Example.com',
        name: 'Owner',
        password: 'a long enough password',
        ...body,
      }),
    },
    ip,
  );

describe('first run: the setup code from the log', () => {
  it('prints the code in exactly one log line', () => {
    expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    const lines = t.logs.filter((line) => line.includes(code));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('admin:create');
  });

  it('says setup is needed while no admin exists', async () => {
    expect(await (await t.request('/v1/auth/setup')).json()).toEqual({ needed: true });
  });

  it('refuses a wrong code with 403 invalid_code and creates nobody', async () => {
    const res = await setup({ code: 'AAAA-BBBB-CCCC' });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: 'invalid_code', field: 'code' });
    expect(sessionCookieOf(res)).toBeUndefined();
    expect(await (await t.request('/v1/auth/setup')).json()).toEqual({ needed: true });
  });

  it('refuses a weak password before looking at the code', async () => {
    expect(await errorOf(await setup({ code, password: 'short' }))).toMatchObject({
      status: 400,
      field: 'password',
    });
  });

  it('creates the first admin with the right code, signs them in, and never logs the code again', async () => {
    const before = t.logs.length;
    const res = await setup({ code: code.toLowerCase() });
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as { user: Record<string, unknown> };
    expect(user).toMatchObject({ email: 'owner@example.com', name: 'Owner', role: 'admin', disabled: false });
    const token = sessionCookieOf(res);
    expect(token).toBeDefined();
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const me = await t.request('/v1/auth/session', { headers: { cookie: `vd_session=${token}` } });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('owner@example.com');
    expect(t.logs.slice(before).some((line) => line.includes(code))).toBe(false);
    expect(await (await t.request('/v1/auth/setup')).json()).toEqual({ needed: false });
  });

  it('refuses a second setup with 409 already_set_up, even with the old code', async () => {
    expect(await errorOf(await setup({ code, email: 'second@example.com' }))).toMatchObject({
      status: 409,
      code: 'already_set_up',
    });
  });

  it('prints no code at the next start once an admin exists', async () => {
    expect(await announceSetupCode(t.database.db, t.deps.logger, 'http://localhost')).toBeNull();
  });

  it('limits code guesses per address (429)', async () => {
    const limit = t.deps.config.staff.loginLimitPerIp;
    const answers: number[] = [];
    for (let i = 0; i <= limit; i++)
      answers.push((await setup({ code: 'ZZZZ-ZZZZ-ZZZZ' }, '198.51.100.99')).status);
    expect(answers.at(-1)).toBe(429);
    expect(answers.slice(0, limit).every((s) => s !== 429)).toBe(true);
  });
});
