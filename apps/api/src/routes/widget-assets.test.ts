import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';

const WIDGET_DIR = fileURLToPath(new URL('../../../widget/', import.meta.url));
const built = (file: string) => readFileSync(`${WIDGET_DIR}dist/${file}`);

let t: RouteApp;
let callModule: string;
beforeAll(async () => {
  // `npm test` builds first; a lone run of this file builds the widget if nobody has.
  if (!existsSync(`${WIDGET_DIR}dist/call-manifest.json`)) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: WIDGET_DIR, stdio: 'ignore' });
  }
  t = await startRouteApp('deploy_widget_assets');
  callModule = /voicedesk-call-[A-Za-z0-9_-]+\.js/.exec(built('widget.js').toString())?.[0] ?? '';
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => t.request(path, { headers });
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());
/** Byte equality without a deep diff of half a megabyte. */
const same = (a: Buffer, b: Buffer) => a.equals(b);

describe('GET /widget.js', () => {
  it('answers brotli to a browser that accepts it, gzip to one that does not, plain to neither', async () => {
    const br = await get('/widget.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(same(brotliDecompressSync(await bytes(br)), built('widget.js'))).toBe(true);

    const gz = await get('/widget.js', { 'accept-encoding': 'gzip, deflate' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(same(gunzipSync(await bytes(gz)), built('widget.js'))).toBe(true);

    const refused = await get('/widget.js', { 'accept-encoding': 'br;q=0, gzip;q=0.5' });
    expect(refused.headers.get('content-encoding')).toBe('gzip');

    const plain = await get('/widget.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(same(await bytes(plain), built('widget.js'))).toBe(true);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');

    // The compressed bodies are the bytes written at build time, not squeezed per request.
    expect((await bytes(await get('/widget.js', { 'accept-encoding': 'br' }))).length).toBe(
      built('widget.js.br').length,
    );
    for (const res of [br, gz, plain]) expect(res.headers.get('vary')?.toLowerCase()).toBe('accept-encoding');
  });

  it('is cached briefly and revalidated with its ETag: 304 while unchanged', async () => {
    const first = await get('/widget.js', { 'accept-encoding': 'br' });
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);

    const again = await get('/widget.js', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=300');

    // A weak form of the same tag and a list that contains it match too (RFC 9110 13.1.2).
    expect((await get('/widget.js', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get('/widget.js', { 'if-none-match': '"something-else"' })).status).toBe(200);

    // Each encoding is its own representation with its own validator.
    const gz = await get('/widget.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('etag')).not.toBe(etag);
  });
});

describe('the call module', () => {
  it('has a content-hashed name that widget.js loads, and is cached for a year as immutable', async () => {
    expect(callModule).toMatch(/^voicedesk-call-[A-Za-z0-9_-]{6,}\.js$/);
    const res = await get(`/${callModule}`, { 'accept-encoding': 'gzip, br' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(same(brotliDecompressSync(await bytes(res)), built(callModule))).toBe(true);

    const gz = await get(`/${callModule}`, { 'accept-encoding': 'gzip' });
    expect(same(gunzipSync(await bytes(gz)), built(callModule))).toBe(true);
    const etag = gz.headers.get('etag') ?? '';
    expect((await get(`/${callModule}`, { 'accept-encoding': 'gzip', 'if-none-match': etag })).status).toBe(
      304,
    );
  });

  it('is not served under its old unhashed name nor under a hash that was never built', async () => {
    expect((await get('/voicedesk-call.js')).status).toBe(404);
    expect((await get('/voicedesk-call-00000000.js')).status).toBe(404);
  });
});
