import { AppError } from '@voicedesk/core';
import type { Handler, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { WidgetCors } from '../routes/define.ts';
import { originAllowed } from '../services/origin.ts';

/** What the widget sends beyond a simple request: JSON bodies and the visitor key. */
const ALLOW_HEADERS = 'authorization, content-type';
const PREFLIGHT_MAX_AGE = '600';

/**
 * After the handler (errors included, so the widget can read a 429 or an outside_hours): the
 * request's origin is named back only if the site the handler found allows it. A refused origin
 * gets no CORS header at all, never its own value echoed.
 */
export const siteCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // The answer differs by Origin, so shared caches must key on it (the site config is cacheable).
  c.res.headers.append('vary', 'Origin');
  const origin = c.req.header('origin');
  const allowed = c.get('siteOrigins');
  if (origin && allowed && originAllowed(origin, allowed)) {
    c.res.headers.set('access-control-allow-origin', origin);
  }
};

export function preflight(cors: WidgetCors, method: string): Handler<AppEnv> {
  return async (c) => {
    const origin = c.req.header('origin');
    const wanted = c.req.header('access-control-request-method')?.toUpperCase();
    // An OPTIONS that is not a CORS preflight is not something this API answers.
    if (!origin || !wanted) throw new AppError(404, 'not_found', `no route for OPTIONS ${c.req.path}`);
    if (wanted !== method) {
      throw new AppError(403, 'forbidden', `no cross-origin ${wanted} here`, 'access-control-request-method');
    }
    const allowed = await cors.preflight(c, origin);
    if (!allowed || !originAllowed(origin, allowed)) {
      throw new AppError(403, 'origin_not_allowed', 'this website is not allowed to call this API', 'origin');
    }
    return c.body(null, 204, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': method,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE,
      vary: 'Origin',
    });
  };
}
