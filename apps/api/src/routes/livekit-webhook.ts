import { createRoute, z } from '@hono/zod-openapi';
import { ParticipantInfo_Kind } from '@livekit/protocol';
import { AppError } from '@voicedesk/core';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { applyEgressUpdate } from '../services/egress-updates.ts';
import { refuseStranger } from '../services/room-guard.ts';
import { mapWebhook } from '../services/webhook-mapping.ts';
import { defineRoute } from './define.ts';
import { livekitSignature } from './guards.ts';

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

export const livekitWebhookEntry = defineRoute({
  audience: 'webhook',
  // Also on INTERNAL_PORT, where compose sends it: livekit-server sends each room's webhooks from
  // a sender of its own over one client that keeps three idle connections, so with many rooms at
  // once most webhooks open a connection of their own, and Node accepts one connection per turn
  // of its event loop. On the public listener visitors' new connections would wait behind them.
  onInternalListener: true,
  guard: livekitSignature,
  route,
  handler: async (c) => {
    const deps = c.get('deps');
    const webhook = c.get('webhook');
    if (!webhook) throw new AppError(401, 'unauthorized', 'webhook signature is missing', 'authorization');
    const { event } = webhook;
    const stored = mapWebhook(webhook);
    const outcome = await applyCallEvent(deps, { ...stored, source: 'livekit' });
    // A redelivery is the same webhook again: its lag would count LiveKit's retries, not ours.
    // Without LiveKit's own stamp (createdAt 0) there is no lag to measure.
    if (!outcome.duplicate && Number(event.createdAt) > 0) {
      const receivedAt = (deps.now?.() ?? new Date()).getTime();
      deps.metrics.webhookLagSeconds.observe(Math.max(0, receivedAt / 1000 - Number(event.createdAt)));
    }
    if (!outcome.duplicate && event.egressInfo)
      await applyEgressUpdate(deps, event.egressInfo, outcome.callId);
    // Egress records the room with a participant of its own; everyone else must belong to the call.
    const joined = stored.lifecycle?.type === 'participant_joined' ? stored.lifecycle : undefined;
    if (joined && !outcome.duplicate && outcome.callId && outcome.roomName) {
      if (event.participant?.kind !== ParticipantInfo_Kind.EGRESS) {
        await refuseStranger(deps, { id: outcome.callId, roomName: outcome.roomName }, joined);
      }
    }
    deps.logger.debug({ type: stored.type, callId: outcome.callId, duplicate: outcome.duplicate }, 'webhook');
    return c.json({ ok: true, duplicate: outcome.duplicate }, 200);
  },
});
