import { fileURLToPath } from 'node:url';
import { AppError } from '@voicedesk/core';
import { sites } from '@voicedesk/db';
import { asc } from 'drizzle-orm';
import { loadBuiltAsset, notModified, pickEncoding } from '../services/built-assets.ts';
import { definePlainRoute } from './define.ts';
import { publicRoute } from './guards.ts';

const DIST = fileURLToPath(new URL('../../../widget/dist/', import.meta.url));
/** The tag sites paste: its URL never changes, so caches keep it briefly and revalidate. */
const LOADER = 'widget.js';
/** The call module, named by its content hash (vite.call.config.ts): cached for good. */
const CALL_MODULE = /^voicedesk-call-[A-Za-z0-9_-]+\.js$/;
const LOADER_CACHE = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The embeddable widget (loader and hashed call module); sites load it cross-origin, no credentials. */
export const widgetScriptEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/:file{[A-Za-z0-9_-]+\\.js}',
  mount: (app, guard) =>
    app.get('/:file{[A-Za-z0-9_-]+\\.js}', guard.middleware, async (c, next) => {
      const file = c.req.param('file');
      const immutable = CALL_MODULE.test(file);
      if (file !== LOADER && !immutable) return next();
      const asset = await loadBuiltAsset(DIST, file);
      if (!asset) {
        if (immutable) return next();
        throw new AppError(503, 'voice_unavailable', 'the widget is not built: run npm run build');
      }
      const encoding = pickEncoding(asset, c.req.header('accept-encoding'));
      const headers: Record<string, string> = {
        'access-control-allow-origin': '*',
        'cache-control': immutable ? IMMUTABLE : LOADER_CACHE,
        etag: asset.etag[encoding],
        vary: 'accept-encoding',
      };
      if (notModified(c.req.header('if-none-match'), asset)) return c.body(null, 304, headers);
      const body = asset.bodies[encoding] ?? asset.bodies.identity;
      if (encoding !== 'identity') headers['content-encoding'] = encoding;
      headers['content-type'] = 'text/javascript; charset=utf-8';
      return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    }),
});

/** A page to try the widget on, with the first site's key. */
export const demoPageEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/demo',
  mount: (app, guard) =>
    app.get('/demo', guard.middleware, async (c) => {
      const [site] = await c
        .get('deps')
        .database.db.select()
        .from(sites)
        .orderBy(asc(sites.createdAt))
        .limit(1);
      if (!site) throw new AppError(404, 'site_not_found', 'no site exists yet');
      const key = site.publicKey.replace(/[^A-Za-z0-9_]/g, '');
      return c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>VoiceDesk demo</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>VoiceDesk demo</h1>
<p>Press the call button in the corner and talk to the support assistant.</p>
<p>Embed it on your site with:</p>
<pre style="white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f5; padding: 0.75rem; border-radius: 0.375rem"><code>&lt;script src="${new URL(c.req.url).origin}/widget.js" data-site-key="${key}" async&gt;&lt;/script&gt;</code></pre>
<script src="/widget.js" data-site-key="${key}" async></script>
</body></html>`);
    }),
});
