import { AppError } from '@voicedesk/core';
import type { Handler, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { WidgetCors } from '../routes/define.ts';
import { originAllowed } from '../services/origin.ts';

/** What the widget sends beyond a simple request: JSON bodies and the visitor key. */
const ALLOW_HEADERS = 'authorization, content-type';
const PREFLIGHT_MAX_AGE = '600';

/**
 * After the handler: the request's origin is named back only if the site the handler found
 * allows it. A refusal (any 4xx/5xx) from another origin carries `*` instead, never the origin
 * itself: the widget on a site that is not set up, or past a limit, can then tell the visitor
 * why, and a refusal holds nothing a foreign page could use. Successes go to allowed origins only.
 */
export const siteCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // The answer differs by Origin, so shared caches must key on it (the site config is cacheable).
  c.res.headers.append('vary', 'Origin');
  const origin = c.req.header('origin');
  if (!origin) return;
  const allowed = c.get('siteOrigins');
  if (allowed && originAllowed(origin, allowed)) {
    c.res.headers.set('access-control-allow-origin', origin);
  } else if (c.res.status >= 400) {
    c.res.headers.set('access-control-allow-origin', '*');
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
    // A preflight carries no body (the site key of POST /v1/calls is in it), so it cannot refuse
    // for the site: it lets the request through, named back only to an allowed origin, and the
    // request itself is refused by the site's allowlist (readable through `*`, see siteCors).
    const named = allowed && originAllowed(origin, allowed) ? origin : '*';
    return c.body(null, 204, {
      'access-control-allow-origin': named,
      'access-control-allow-methods': method,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE,
      vary: 'Origin',
    });
  };
}
