import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { dashboardCsp } from './dashboard-assets.ts';

const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

let t: RouteApp;
let script: string;
beforeAll(async () => {
  // `npm test` builds first; a lone run of this file builds the dashboard if nobody has.
  if (!existsSync(`${DASHBOARD_DIR}dist/index.html`)) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: DASHBOARD_DIR, stdio: 'ignore' });
  }
  script = readdirSync(`${DASHBOARD_DIR}dist/assets`).find((f) => f.endsWith('.js')) ?? '';
  t = await startRouteApp('deploy_dashboard_assets');
}, 90_000);
afterAll(async () => {
  await t?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => t.request(path, { headers });

describe('GET /app and every path under it', () => {
  it('answers the app’s page for each of its addresses, revalidated on every load', async () => {
    for (const path of [
      '/app',
      '/app/',
      '/app/calls',
      '/app/calls/0190a1b2-0000-7000-8000-000000000000',
      '/app/settings/staff',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="root"></div>');
    }
  });

  it('loads nothing from another host and runs no inline script (Content-Security-Policy)', async () => {
    const res = await get('/app/calls');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/https?:/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    for (const asset of assets.filter((a) => !a.startsWith('data:')))
      expect(asset).toMatch(/^\/app\/assets\//);
  });

  it('answers 304 to a browser that holds the same page', async () => {
    const first = await get('/app');
    const again = await get('/app/live', { 'if-none-match': first.headers.get('etag') ?? '' });
    expect(again.status).toBe(304);
  });
});

describe('GET /app/assets/:file', () => {
  it('serves the hashed script precompressed and cacheable for good', async () => {
    const res = await get(`/app/assets/${script}`, { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = brotliDecompressSync(Buffer.from(await res.arrayBuffer()));
    expect(body.equals(readFileSync(`${DASHBOARD_DIR}dist/assets/${script}`))).toBe(true);
  });

  it('answers 404 for an asset that does not exist, never the app’s page', async () => {
    for (const path of [
      '/app/assets/index-missing.js',
      '/app/assets/..%2Findex.html',
      '/app/assets/index.html',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    }
  });
});

describe('the dashboard’s Content-Security-Policy', () => {
  const s3 = {
    kind: 's3' as const,
    endpoint: 'http://minio:9000',
    bucket: 'b',
    region: 'us-east-1',
    accessKeyId: 'k',
    secretAccessKey: 's',
    forcePathStyle: true,
  };

  it('lets the player and the waveform reach the store browsers fetch recordings from, and nothing else', () => {
    const csp = dashboardCsp({ ...s3, publicEndpoint: 'https://media.example.com/recordings' });
    expect(csp).toContain("media-src 'self' blob: https://media.example.com;");
    expect(csp).toContain("connect-src 'self' https://media.example.com;");
    expect(csp).toContain("script-src 'self';");
  });

  it('lets the answer page reach LiveKit’s signalling socket, and no other address of it', () => {
    const csp = dashboardCsp({ kind: 'files', dir: '/data' }, 'wss://media.example.com/lk');
    expect(csp).toContain("connect-src 'self' wss://media.example.com;");
    expect(csp).not.toContain('/lk');
  });

  it('names no other host when recordings stream from the API itself', () => {
    expect(dashboardCsp({ ...s3, publicEndpoint: undefined })).not.toMatch(/https?:/);
    expect(dashboardCsp({ kind: 'files', dir: '/data' })).not.toMatch(/https?:/);
  });
});
