import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError } from '@voicedesk/core';
import { sites } from '@voicedesk/db';
import { asc } from 'drizzle-orm';
import { definePlainRoute } from './define.ts';
import { publicRoute } from './guards.ts';

const DIST = fileURLToPath(new URL('../../../widget/dist/', import.meta.url));
const ASSETS = new Set(['widget.js', 'voicedesk-call.js']);

/** The embeddable widget; sites load it cross-origin (a script, no credentials, no data). */
export const widgetScriptEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/:file{[a-z-]+\\.js}',
  mount: (app, guard) =>
    app.get('/:file{[a-z-]+\\.js}', guard.middleware, async (c, next) => {
      const file = c.req.param('file');
      if (!ASSETS.has(file)) return next();
      const body = await readFile(`${DIST}${file}`).catch(() => undefined);
      if (!body) {
        throw new AppError(
          503,
          'voice_unavailable',
          'the widget is not built: run npm run build -w @voicedesk/widget',
        );
      }
      return c.body(body, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'access-control-allow-origin': '*',
        'cache-control': 'public, max-age=300',
      });
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
<pre>&lt;script src="${new URL(c.req.url).origin}/widget.js" data-site-key="${key}" async&gt;&lt;/script&gt;</pre>
<script src="/widget.js" data-site-key="${key}" async></script>
</body></html>`);
    }),
});
