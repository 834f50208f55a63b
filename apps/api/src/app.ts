import { AppError } from '@voicedesk/core';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { AppDeps } from './deps.ts';
import { envelope, errorFacts, toAppError } from './errors.ts';
import { limitBody, requireJson } from './middleware/json-only.ts';
import { createRouter } from './router.ts';
import { apiDocsRoutes } from './routes/api-docs.ts';
import { adminCallRoutes } from './routes/calls-admin.ts';
import { publicCallRoutes } from './routes/calls-public.ts';
import { healthRoutes } from './routes/health.ts';
import { internalRoutes } from './routes/internal.ts';
import { internalWitnessRoutes } from './routes/internal-witness.ts';
import { livekitWebhookRoutes } from './routes/livekit-webhook.ts';
import { publicSiteRoutes } from './routes/sites-public.ts';
import { widgetAssetRoutes } from './routes/widget-assets.ts';

const PUBLIC_BODY_LIMIT = 16 * 1024;
const INTERNAL_BODY_LIMIT = 1024 * 1024;

export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.routePath,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  // The widget runs on customers' sites: CORS is open here and each call checks the
  // site's own origin allowlist, which is where the decision belongs.
  const widgetCors = cors({
    origin: (origin) => origin,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['content-type', 'authorization'],
    maxAge: 600,
  });
  app.use('/v1/calls', widgetCors);
  app.use('/v1/calls/:id/end', widgetCors);
  app.use('/v1/sites/*', widgetCors);

  app.use('/v1/livekit/webhook', limitBody(INTERNAL_BODY_LIMIT));
  app.use('/internal/*', limitBody(INTERNAL_BODY_LIMIT), requireJson);
  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/livekit/webhook') return next();
    return limitBody(PUBLIC_BODY_LIMIT)(c, async () => {
      await requireJson(c, next);
    });
  });

  app.route('/', healthRoutes());
  app.route('/', publicCallRoutes());
  app.route('/', publicSiteRoutes());
  app.route('/', adminCallRoutes());
  app.route('/', livekitWebhookRoutes());
  app.route('/', internalRoutes());
  app.route('/', internalWitnessRoutes());
  app.route('/', widgetAssetRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceKey', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'visitorKey', { type: 'http', scheme: 'bearer' });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'VoiceDesk API', version: '0.1.0', description: 'Self-hosted AI voice support.' },
  });
  app.route('/', apiDocsRoutes());

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
