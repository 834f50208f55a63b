import { fileURLToPath } from 'node:url';
import type { StorageConfig } from '@voicedesk/config';
import { AppError } from '@voicedesk/core';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { type BuiltAsset, loadBuiltAsset, notModified, pickEncoding } from '../services/built-assets.ts';
import { definePlainRoute } from './define.ts';
import { publicRoute } from './guards.ts';

const DIST = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));
const INDEX = 'index.html';
/** Vite names every file under assets/ by its content hash, so a cached copy never goes stale. */
const HASHED = /^[A-Za-z0-9_.-]+\.(js|css|svg|png|woff2)$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};

/**
 * Where a browser may fetch a recording from when the API hands out a presigned URL of the store
 * itself (routes/recordings-admin.ts); otherwise recordings stream from this origin.
 */
function storeOrigins(storage: StorageConfig): string[] {
  if (storage.kind !== 's3') return [];
  if (storage.publicEndpoint) return [new URL(storage.publicEndpoint).origin];
  if (storage.endpoint === undefined) return ['https://*.amazonaws.com'];
  return [];
}

/**
 * Everything the app loads comes from this origin: no CDN, no inline script or style, no
 * framing. Audio may come from the recording store; `blob:` is the waveform's decoded copy.
 */
export function dashboardCsp(storage: StorageConfig, livekitPublicUrl?: string): string {
  const store = storeOrigins(storage).join(' ');
  // Staff answer calls from the browser (issue 14): livekit-client's signalling WebSocket goes to
  // the LiveKit URL visitors are given (media itself is WebRTC, which connect-src does not govern).
  const livekit = livekitPublicUrl ? new URL(livekitPublicUrl).origin : '';
  const media = ["'self'", 'blob:', store].filter(Boolean).join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `media-src ${media}`,
    `connect-src ${["'self'", store, livekit].filter(Boolean).join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function send(
  c: Context<AppEnv>,
  asset: BuiltAsset,
  type: string,
  cacheControl: string,
  extra: Record<string, string> = {},
) {
  const encoding = pickEncoding(asset, c.req.header('accept-encoding'));
  const headers: Record<string, string> = {
    'cache-control': cacheControl,
    etag: asset.etag[encoding],
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    ...extra,
  };
  if (notModified(c.req.header('if-none-match'), asset)) return c.body(null, 304, headers);
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  headers['content-type'] = type;
  const body = asset.bodies[encoding] ?? asset.bodies.identity;
  return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
}

/** The dashboard's hashed scripts and styles (apps/dashboard, built by npm run build). */
export const dashboardAssetsEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/app/assets/:file',
  mount: (app, guard) =>
    app.get('/app/assets/:file', guard.middleware, async (c) => {
      const file = c.req.param('file');
      const ext = /\.([a-z0-9]+)$/.exec(file)?.[1] ?? '';
      const type = TYPES[ext];
      const asset = HASHED.test(file) && type ? await loadBuiltAsset(`${DIST}assets/`, file) : undefined;
      // A missing asset is a 404, never the app's page: a stale tab must not run HTML as a script.
      if (!asset || !type) throw new AppError(404, 'not_found', `no dashboard asset ${file}`, 'file');
      return send(c, asset, type, IMMUTABLE);
    }),
});

/**
 * The dashboard's page for every path under /app (the app routes in the browser): always
 * revalidated, so a new build reaches staff on their next load.
 */
export const dashboardPageEntry = definePlainRoute({
  audience: 'public',
  guard: publicRoute,
  method: 'GET',
  path: '/app/*',
  mount: (app, guard) => {
    const page = async (c: Context<AppEnv>) => {
      const asset = await loadBuiltAsset(DIST, INDEX);
      if (!asset) throw new AppError(404, 'not_found', 'the dashboard is not built: run npm run build');
      return send(c, asset, 'text/html; charset=utf-8', 'no-cache', {
        'content-security-policy': dashboardCsp(
          c.get('deps').config.storage,
          c.get('deps').config.livekit.publicUrl,
        ),
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
    };
    app.get('/app', guard.middleware, page);
    app.get('/app/*', guard.middleware, page);
  },
});
