import { definePlainRoute } from './define.ts';
import { serviceOnly } from './guards.ts';

/**
 * Prometheus scrape target. Internal, so with INTERNAL_PORT set it is served on the internal
 * listener only; on a single port the service key still guards it, since call counts and
 * route timings are not for the public. Outside the OpenAPI document: it is not JSON.
 */
export const scrapeMetricsEntry = definePlainRoute({
  audience: 'internal',
  guard: serviceOnly,
  method: 'GET',
  path: '/metrics',
  mount: (app, guard) =>
    app.get('/metrics', guard.middleware, async (c) => {
      const { registry } = c.get('deps').metrics;
      return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
    }),
});
