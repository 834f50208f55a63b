import { createRoute, z } from '@hono/zod-openapi';
import { callRowFields, errorResponses, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { listLiveCalls } from '../services/live/query.ts';
import { actorOf } from '../services/staff/staff-scope.ts';
import { defineRoute } from './define.ts';
import { staffAny, staffOf } from './guards.ts';
import { scopeOf } from './staff-scope.ts';

export const liveSegmentSchema = z
  .object({
    id: z.string().openapi({ description: '`<callId>:<seq>`, unique across calls' }),
    seq: z.number().int(),
    speaker: z.string().openapi({ example: 'visitor' }),
    text: z.string(),
    startedAt: z.string(),
    endedAt: z.string(),
    language: z.string().nullable(),
    source: z.string(),
  })
  .openapi('LiveSegment');

export const liveCallSchema = z.object(callRowFields).openapi('LiveCall');

const route = createRoute({
  method: 'get',
  path: '/v1/live/calls',
  tags: ['live'],
  summary: 'Calls in progress, newest first, each with its transcript so far',
  description:
    'Load this once the event stream (GET /v1/live/events) is open, and again on a `resync` event: ' +
    'the stream then carries every change.',
  responses: {
    200: jsonResponse(
      'Calls not yet ended',
      z.object({ items: z.array(liveCallSchema.extend({ segments: z.array(liveSegmentSchema) })) }),
    ),
    ...errorResponses(401, 403),
  },
});

export const liveCallsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route,
  handler: async (c) => {
    const { db } = c.get('deps').database;
    const items = await listLiveCalls(db, scopeOf(c));
    // The transcripts of calls in progress are transcripts read: one row per look, not per call.
    await audit(db, {
      actor: actorOf(staffOf(c)),
      action: 'live.read',
      callId: null,
      details: { calls: items.length },
    });
    return c.json({ items }, 200);
  },
});
