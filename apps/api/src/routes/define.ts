import { createRoute, type OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { preflight, siteCors } from '../middleware/site-cors.ts';
import type { Guard } from './guards.ts';

/** Who calls a route. It decides the guard, and which listener serves it (INTERNAL_PORT). */
/**
 * `staff`: any signed-in staff member (or an API key / ADMIN_API_KEY); `admin`: admins only;
 * `signed`: whoever holds a link the API signed and that has not expired.
 */
export type Audience = 'public' | 'visitor' | 'staff' | 'admin' | 'internal' | 'webhook' | 'signed';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A widget route answers CORS for its site's allowed origins only. The handler names the site
 * (`c.set('siteOrigins', ...)`); a preflight carries no body and no credentials, so it is
 * answered from what the URL alone says (`preflight`).
 */
export interface WidgetCors {
  preflight(c: Context<AppEnv>, origin: string): Promise<readonly string[] | undefined>;
}

export interface RouteEntry {
  audience: Audience;
  method: Method;
  /** Hono's form, `/v1/calls/:id`. */
  path: string;
  guard: Guard['name'];
  /** Served on the internal listener too (health checks). */
  onInternalListener?: boolean;
  mount(app: OpenAPIHono<AppEnv>): void;
}

export function defineRoute<R extends RouteConfig>(spec: {
  audience: Audience;
  guard: Guard;
  cors?: WidgetCors;
  onInternalListener?: boolean;
  route: R;
  handler: RouteHandler<R, AppEnv>;
}): RouteEntry {
  const { route, guard, cors } = spec;
  const path = route.path.replaceAll(/\{(.+?)\}/g, ':$1');
  const method = route.method.toUpperCase() as Method;
  return {
    audience: spec.audience,
    method,
    path,
    guard: guard.name,
    ...(spec.onInternalListener ? { onInternalListener: true } : {}),
    mount(app) {
      // The guard comes first, before CORS and validation: a refused caller learns nothing else.
      const middleware = cors ? [guard.middleware, siteCors] : [guard.middleware];
      const full = createRoute({ ...route, security: guard.security, middleware });
      app.openapi(full, spec.handler as never);
      if (cors) app.options(path, preflight(cors, method));
    },
  };
}

/** A route outside the OpenAPI document (assets, the docs page): same index, same guards. */
export function definePlainRoute(spec: {
  audience: Audience;
  guard: Guard;
  method: Method;
  path: string;
  mount(app: OpenAPIHono<AppEnv>, guard: Guard): void;
}): RouteEntry {
  return {
    audience: spec.audience,
    method: spec.method,
    path: spec.path,
    guard: spec.guard.name,
    mount: (app) => spec.mount(app, spec.guard),
  };
}
