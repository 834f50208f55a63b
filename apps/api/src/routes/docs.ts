import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { swaggerUI } from '@hono/swagger-ui';
import { definePlainRoute } from './define.ts';
import { publicRoute } from './guards.ts';

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const { version: SWAGGER_UI_VERSION } = require('swagger-ui-dist/package.json') as { version: string };
/** `@hono/swagger-ui` asks for `${baseUrl}/swagger-ui-dist@${version}/<file>`: these, from here. */
const ASSET_BASE = '/docs/assets';
const ASSET_DIR = `swagger-ui-dist@${SWAGGER_UI_VERSION}`;
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const loaded = new Map<string, Uint8Array>();

export const openApiDocumentEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/v1/openapi.json',
  mount: (app, guard) => {
    app.use('/v1/openapi.json', guard.middleware);
    app.doc31('/v1/openapi.json', {
      openapi: '3.1.0',
      info: { title: 'VoiceDesk API', version: '0.1.0', description: 'Self-hosted AI voice support.' },
    });
  },
});

/**
 * The API reference at /docs, whole from this server: Swagger UI's assets come from the
 * swagger-ui-dist package, never a CDN, so the page works offline and behind a firewall.
 */
export const docsPageEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/docs',
  mount: (app, guard) =>
    app.get(
      '/docs',
      guard.middleware,
      swaggerUI({
        url: '/v1/openapi.json',
        title: 'VoiceDesk API',
        baseUrl: ASSET_BASE,
        version: SWAGGER_UI_VERSION,
        // Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
        validatorUrl: 'none',
      }),
    ),
});

export const docsAssetsEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: `${ASSET_BASE}/:dir/:file`,
  mount: (app, guard) =>
    app.get(`${ASSET_BASE}/:dir/:file`, guard.middleware, async (c, next) => {
      const file = c.req.param('file');
      const type = ASSETS[file];
      if (c.req.param('dir') !== ASSET_DIR || !type) return next();
      let body = loaded.get(file);
      if (!body) {
        body = await readFile(join(SWAGGER_UI_DIR, file));
        loaded.set(file, body);
      }
      // The version is in the URL, so a cached copy never goes stale.
      return c.body(body as Uint8Array<ArrayBuffer>, 200, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      });
    }),
});
