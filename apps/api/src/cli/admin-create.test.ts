import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { OWN_ORIGIN, sessionCookieOf } from '../testing/staff-fixtures.ts';

const CLI = fileURLToPath(new URL('./admin-create.ts', import.meta.url));

let t: RouteApp;
let databaseUrl: string;
beforeAll(async () => {
  t = await startRouteApp('admin_create');
  const target = t.deps.config.database;
  if (target.kind !== 'postgres') throw new Error('route apps run on Postgres');
  databaseUrl = target.url;
});
afterAll(async () => {
  await t?.close();
});

function run(args: string[], stdin?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    input: stdin ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PUBLIC_BASE_URL: 'https://desk.example.com' },
    timeout: 60_000,
  });
}

const post = (path: string, body: unknown) =>
  t.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: OWN_ORIGIN },
    body: JSON.stringify(body),
  });

describe('npm run admin:create', () => {
  it('creates an admin and prints a one-time link that sets the password', async () => {
    const out = run(['--email', 'Boss@Example.com', '--name', 'The Boss']);
    expect(out.status, out.stderr).toBe(0);
    const link = /https:\/\/desk\.example\.com\/app\/invite\/([A-Za-z0-9_-]{43})/.exec(out.stdout);
    expect(link).not.toBeNull();
    const res = await post('/v1/auth/invite/accept', { token: link?.[1], password: 'boss password 123' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { role: string } }).user.role).toBe('admin');
    expect(await (await t.request('/v1/auth/setup')).json()).toEqual({ needed: false });
  });

  it('takes a password on stdin, and then the admin signs in with it', async () => {
    const out = run(
      ['--email', 'ops@example.com', '--name', 'Ops', '--password-stdin'],
      'piped password 42\n',
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).not.toContain('/app/invite/');
    const res = await post('/v1/auth/login', { email: 'ops@example.com', password: 'piped password 42' });
    expect(res.status).toBe(200);
    expect(sessionCookieOf(res)).toBeDefined();
  });

  it('asks nothing and fails clearly without an email', () => {
    const out = run(['--name', 'Nobody']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('--email');
  });
});
