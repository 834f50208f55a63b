import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { jsonResponse } from '../schemas.ts';
import { defineRoute } from './define.ts';
import { publicRoute } from './guards.ts';

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

type Readiness = { ok: boolean; checks: { database: 'ok' | 'down'; livekit: 'ok' | 'down' } };

/**
 * /readyz is public and each answer costs LiveKit an API call: one probe serves every caller for
 * READY_CACHE_MS, and callers that arrive while it runs share it. Per process, keyed by deps.
 */
const READY_CACHE_MS = 2000;
const readiness = new WeakMap<AppDeps, { at: number; answer: Promise<Readiness> }>();

function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const cached = readiness.get(deps);
  if (cached && performance.now() - cached.at < READY_CACHE_MS) return cached.answer;
  const answer = Promise.all([probe(deps.database.ping), probe(deps.livekit.ping)]).then(
    ([database, livekit]) => ({ ok: database === 'ok' && livekit === 'ok', checks: { database, livekit } }),
  );
  readiness.set(deps, { at: performance.now(), answer });
  return answer;
}

export const healthzEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  onInternalListener: true,
  route: healthRoute,
  handler: (c) => c.json({ ok: true as const }, 200),
});

export const readyzEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  onInternalListener: true,
  route: readyRoute,
  handler: async (c) => {
    const answer = await checkReadiness(c.get('deps'));
    return c.json(answer, answer.ok ? 200 : 503);
  },
});
