import { createRoute, z } from '@hono/zod-openapi';
import { CALL_STATUSES } from '@voicedesk/core';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { listLiveCalls } from '../services/live/query.ts';
import { defineRoute } from './define.ts';
import { adminOnly } from './guards.ts';
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

export const liveCallSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    roomName: z.string(),
    callerName: z.string().nullable(),
    status: z.enum(CALL_STATUSES),
    phase: z.string(),
    startedAt: z.string().nullable(),
    connectedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    durationSeconds: z.number().nullable(),
    endReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('LiveCall');

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
  audience: 'admin',
  // GUARD: staffAny
  guard: adminOnly,
  route,
  handler: async (c) => {
    const items = await listLiveCalls(c.get('deps').database.db, scopeOf(c));
    return c.json({ items }, 200);
  },
});
