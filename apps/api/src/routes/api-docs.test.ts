import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('deploy_api_docs');
});
afterAll(async () => {
  await t?.close();
});

describe('GET /docs', () => {
  it('names no other host: every asset it loads is a path on this API', async () => {
    const res = await t.request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("url: '/v1/openapi.json'");
    // No absolute or protocol-relative URL anywhere in the page, scripts included.
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']\/\//i);
    const assets = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] as string);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) expect(asset, asset).toMatch(/^\/docs\/assets\//);
  });

  it('serves Swagger UI’s script and stylesheet from the installed package, cacheable for good', async () => {
    const html = await (await t.request('/docs')).text();
    const assets = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] as string);
    for (const asset of assets) {
      const res = await t.request(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect(html).toContain('SwaggerUIBundle');
  });

  it('serves nothing else from the package', async () => {
    const html = await (await t.request('/docs')).text();
    const dir = /\/docs\/assets\/([^/]+)\//.exec(html)?.[1];
    expect((await t.request(`/docs/assets/${dir}/package.json`)).status).toBe(404);
    expect((await t.request(`/docs/assets/${dir}/..%2Fpackage.json`)).status).toBe(404);
    expect((await t.request('/docs/assets/swagger-ui-dist@0.0.0/swagger-ui.css')).status).toBe(404);
  });
});
