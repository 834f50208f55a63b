import { createRoute, z } from '@hono/zod-openapi';
import { type LifecycleEvent, type WitnessEvent, witnessBatchSchema } from '@voicedesk/core';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { refuseStranger } from '../services/room-guard.ts';
import { defineRoute } from './define.ts';
import { serviceOnly } from './guards.ts';
import { loadCall } from './internal.ts';

const route = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/witness',
  tags: ['internal'],
  summary: 'Joins and leaves the agent saw in the room (idempotent by participant and kind)',
  request: { params: callIdParamSchema, body: jsonBody(witnessBatchSchema) },
  responses: {
    200: jsonResponse('Stored', z.object({ accepted: z.number().int() })),
    ...errorResponses(400, 401, 404, 413, 415),
  },
});

function toLifecycle(event: WitnessEvent): LifecycleEvent {
  const base = { at: Date.parse(event.at), sid: event.sid, identity: event.identity, kind: event.kind };
  return event.type === 'participant_joined'
    ? { type: 'participant_joined', ...base }
    : { type: 'participant_left', ...base, joinedAt: Date.parse(event.joinedAt), cause: event.cause };
}

/**
 * The agent's account of the room, the second witness next to LiveKit's webhooks: after an
 * API outage longer than LiveKit's webhook max_age it is the only one. Each fact goes into the
 * call's log like a webhook; the projection merges the two accounts of one join or leave.
 */
export const witnessEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const call = await loadCall(deps, id);
    let accepted = 0;
    for (const event of c.req.valid('json').events) {
      const outcome = await applyCallEvent(deps, {
        eventId: `agent:${event.type}:${event.sid}`,
        type: event.type,
        source: 'agent',
        callId: call.id,
        createdAt: new Date(event.at),
        lifecycle: toLifecycle(event),
        payload: { witness: event.type, kind: event.kind, cause: 'cause' in event ? event.cause : undefined },
      });
      if (outcome.duplicate) continue;
      accepted++;
      if (event.type === 'participant_joined' && outcome.roomName) {
        await refuseStranger(deps, { id: call.id, roomName: outcome.roomName }, event);
      }
    }
    return c.json({ accepted }, 200);
  },
});
