import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { createRouter } from '../router.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { mapWebhook } from '../services/webhook-mapping.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/livekit/webhook',
  tags: ['livekit'],
  summary: 'LiveKit webhook receiver (signed JWT carrying the body sha256)',
  responses: {
    200: jsonResponse('Stored (or already stored)', z.object({ ok: z.boolean(), duplicate: z.boolean() })),
    ...errorResponses(401, 413),
  },
});

export function livekitWebhookRoutes() {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const deps = c.get('deps');
    // The signature covers the exact bytes, so read the raw body before anything parses it.
    const raw = await c.req.text();
    let event: Awaited<ReturnType<typeof deps.livekit.receiveWebhook>>;
    try {
      event = await deps.livekit.receiveWebhook(raw, c.req.header('authorization'));
    } catch (err) {
      deps.logger.warn({ err: String(err).slice(0, 200) }, 'rejected webhook');
      throw new AppError(
        401,
        'unauthorized',
        'webhook signature is missing, invalid or expired',
        'authorization',
      );
    }
    const stored = mapWebhook(event);
    const outcome = await applyCallEvent(deps, { ...stored, source: 'livekit' });
    deps.logger.debug({ type: stored.type, callId: outcome.callId, duplicate: outcome.duplicate }, 'webhook');
    return c.json({ ok: true, duplicate: outcome.duplicate }, 200);
  });
  return router;
}
