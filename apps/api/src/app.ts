import { AppError, RECORDING_CHUNK_MAX_BYTES } from '@voicedesk/core';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { AppDeps } from './deps.ts';
import { envelope, errorFacts, toAppError } from './errors.ts';
import { limitBody } from './middleware/body-limit.ts';
import { requireJson } from './middleware/json-only.ts';
import { labelPlainAsJson } from './middleware/plain-json.ts';
import { cookieOriginCheck, SESSION_COOKIE } from './middleware/staff-cookie.ts';
import { createRouter } from './router.ts';
import type { RouteEntry } from './routes/define.ts';
import { ROUTES } from './routes/index.ts';

const PUBLIC_BODY_LIMIT = 16 * 1024;
const INTERNAL_BODY_LIMIT = 1024 * 1024;
/** The recorder's uploads: Ogg bytes, not JSON. */
const RECORDING_CHUNK_PATH = /^\/internal\/calls\/[^/]+\/recording\/chunks\/[^/]+$/;

/**
 * Which routes one listener serves: `all` on a single port; with INTERNAL_PORT, `public` on the
 * public port (everything but /internal/*) and `internal` on the internal one (/internal/* and
 * the health checks).
 */
export type AppSurface = 'all' | 'public' | 'internal';

function servedOn(surface: AppSurface, entry: RouteEntry): boolean {
  if (surface === 'all') return true;
  if (surface === 'public') return entry.audience !== 'internal';
  return entry.audience === 'internal' || entry.onInternalListener === true;
}

export function createApp(deps: AppDeps, surface: AppSurface = 'all') {
  const app = createRouter();

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // The route pattern, never the path: ids in paths would make a series per call.
    deps.metrics.requestSeconds.observe(
      { method: c.req.method, route: c.req.routePath, status_class: `${Math.floor(c.res.status / 100)}xx` },
      seconds,
    );
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.routePath,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
      },
      'request',
    );
  });

  // Made once, not for every request they see.
  const internalLimit = limitBody(INTERNAL_BODY_LIMIT);
  const chunkLimit = limitBody(RECORDING_CHUNK_MAX_BYTES);
  const publicLimit = limitBody(PUBLIC_BODY_LIMIT);
  app.use('*', cookieOriginCheck);
  app.use('/v1/livekit/webhook', internalLimit);
  app.use('/internal/*', async (c, next) => {
    // Its content type is checked by the route, after its guard: a caller without the key learns nothing.
    if (RECORDING_CHUNK_PATH.test(c.req.path)) return chunkLimit(c, next);
    return internalLimit(c, async () => {
      await requireJson(c, next);
    });
  });
  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/livekit/webhook') return next();
    return publicLimit(c, async () => {
      // Only the request a visitor's press waits for; every other route keeps JSON's own label.
      if (c.req.path === '/v1/calls') labelPlainAsJson(c);
      await requireJson(c, next);
    });
  });

  for (const entry of ROUTES) if (servedOn(surface, entry)) entry.mount(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'staffSession', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
  });
  // An API key (vdk_...) or the bootstrap ADMIN_API_KEY.
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceKey', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'visitorKey', { type: 'http', scheme: 'bearer' });

  app.notFound((c) =>
    envelope(c, new AppError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      // By kind and code only: the message of a database error carries the caller's words.
      deps.logger.error(
        { requestId: c.get('requestId'), method: c.req.method, route: routePath(c, -1), ...errorFacts(err) },
        'unhandled',
      );
    }
    return envelope(c, appError);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
