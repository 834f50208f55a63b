import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../router.ts';
import { jsonResponse } from '../schemas.ts';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['ops'],
  summary: 'Liveness: the process is up',
  responses: { 200: jsonResponse('Up', z.object({ ok: z.literal(true) })) },
});

const checks = z.object({ database: z.enum(['ok', 'down']), livekit: z.enum(['ok', 'down']) });
const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['ops'],
  summary: 'Readiness: database and LiveKit reachable',
  responses: {
    200: jsonResponse('Ready', z.object({ ok: z.boolean(), checks })),
    503: jsonResponse('Not ready', z.object({ ok: z.boolean(), checks })),
  },
});

async function probe(fn: () => Promise<void>): Promise<'ok' | 'down'> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000)),
    ]);
    return 'ok';
  } catch {
    return 'down';
  }
}

export function healthRoutes() {
  const router = createRouter();
  router.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
  router.openapi(readyRoute, async (c) => {
    const deps = c.get('deps');
    const [database, livekit] = await Promise.all([probe(deps.database.ping), probe(deps.livekit.ping)]);
    const ok = database === 'ok' && livekit === 'ok';
    return c.json({ ok, checks: { database, livekit } }, ok ? 200 : 503);
  });
  return router;
}
