import { createRoute, z } from '@hono/zod-openapi';
import { AppError, CALL_STATUSES, END_REASONS, pgText, pgTimestamp } from '@voicedesk/core';
import { callIdParamSchema, callRowFields, errorResponses, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { callDetail, callStats, listCalls } from '../services/calls-query.ts';
import { defineRoute } from './define.ts';
import { staffAny } from './guards.ts';
import { actorOf, scopeOf } from './staff-scope.ts';

const statusList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(z.array(z.enum(CALL_STATUSES)))
  .openapi({ example: 'completed,missed' });

const endReasonList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(z.array(z.enum(END_REASONS)))
  .openapi({ example: 'visitor_hung_up,idle' });

const seconds = z.coerce.number().int().min(0).max(2_147_483_647);

const listQuery = z.object({
  q: pgText()
    .max(200)
    .transform((v) => v.trim())
    .optional()
    .openapi({ description: 'Full-text search over transcripts: words, "a phrase", or, -word' }),
  status: statusList.optional(),
  endReason: endReasonList.optional(),
  minDuration: seconds.optional().openapi({ description: 'Seconds, inclusive' }),
  maxDuration: seconds.optional().openapi({ description: 'Seconds, inclusive' }),
  siteId: z.string().uuid().optional(),
  from: pgTimestamp({ offset: true }).optional(),
  to: pgTimestamp({ offset: true }).optional(),
  cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  stats: z.enum(['0', '1', 'true', 'false']).optional(),
});

const callSummary = z
  .object({
    ...callRowFields,
    snippet: z
      .array(z.object({ text: z.string(), match: z.boolean() }))
      .nullable()
      .optional()
      .describe('With q: the best matching transcript line in plain-text parts, `match` marking found words'),
  })
  .openapi('CallSummary');

const statsSchema = z
  .object({
    total: z.number(),
    byStatus: z.record(z.string(), z.number()),
    totalMinutes: z.number(),
    averageDurationSeconds: z.number().nullable(),
    missedRate: z.number(),
  })
  .openapi('CallStats');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/calls',
  tags: ['calls'],
  summary: "List calls, newest first, filtered and searched (staff; an agent sees their sites' calls only)",
  request: { query: listQuery },
  responses: {
    200: jsonResponse(
      'A page of calls',
      z.object({
        items: z.array(callSummary),
        nextCursor: z.string().nullable(),
        stats: statsSchema.optional(),
      }),
    ),
    ...errorResponses(400, 401, 403),
  },
});

export const callDetailSchema = callSummary
  .extend({
    summary: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    updatedAt: z.string(),
    participants: z.array(
      z.object({
        identity: z.string(),
        kind: z.enum(['visitor', 'ai', 'staff', 'recorder']),
        name: z.string().nullable(),
        joinedAt: z.string(),
        leftAt: z.string().nullable(),
        durationSeconds: z.number().nullable(),
      }),
    ),
    segments: z.array(
      z.object({
        seq: z.number().int(),
        speaker: z.string().openapi({ example: 'visitor' }),
        text: z.string(),
        startedAt: z.string(),
        endedAt: z.string(),
        language: z.string().nullable(),
        source: z.string(),
        offsetMs: z
          .number()
          .nullable()
          .describe('Where the line is heard in the recording; null without one'),
      }),
    ),
    events: z.array(
      z.object({
        eventId: z.string(),
        type: z.string(),
        source: z.enum(['livekit', 'api', 'agent', 'sweeper']),
        createdAt: z.string(),
        receivedAt: z.string(),
        payload: z.unknown(),
      }),
    ),
    metrics: z.array(
      z.object({
        turn: z.number().int(),
        kind: z.string(),
        values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
      }),
    ),
    recordingAnnounced: z
      .boolean()
      .describe(
        'Whether the visitor was told the call is recorded (the site recorded calls when it was made); only such a call is recorded',
      ),
    recording: z
      .object({
        mode: z.enum(['builtin', 'egress']),
        status: z.enum(['active', 'complete', 'partial', 'failed']),
        contentType: z.string(),
        codec: z.string(),
        bytes: z.number().nullable(),
        durationMs: z.number().nullable(),
        startedAt: z.string().nullable(),
        endedAt: z.string().nullable(),
        error: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('CallDetail');

const detailRoute = createRoute({
  method: 'get',
  path: '/v1/calls/{id}',
  tags: ['calls'],
  summary: 'One call with participants, transcript, events and metrics (staff; audited)',
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('The call', callDetailSchema),
    ...errorResponses(400, 401, 403, 404),
  },
});

/** Rows hold Dates; the documented wire shape holds ISO strings, which is what JSON makes of them. */
function toWire<T>(value: T): never {
  return JSON.parse(JSON.stringify(value)) as never;
}

export const listCallsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: listRoute,
  handler: async (c) => {
    const { db } = c.get('deps').database;
    const q = c.req.valid('query');
    const filters = {
      status: q.status,
      siteId: q.siteId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      endReason: q.endReason,
      minDuration: q.minDuration,
      maxDuration: q.maxDuration,
      q: q.q || undefined,
    };
    if (filters.from && filters.to && filters.from > filters.to) {
      throw new AppError(400, 'validation_failed', 'from must be before to', 'from');
    }
    if (q.minDuration !== undefined && q.maxDuration !== undefined && q.minDuration > q.maxDuration) {
      throw new AppError(400, 'validation_failed', 'minDuration must not exceed maxDuration', 'minDuration');
    }
    const scope = scopeOf(c);
    const page = await listCalls(db, scope, filters, { limit: q.limit, cursor: q.cursor });
    const wantStats = q.stats === '1' || q.stats === 'true';
    const stats = wantStats ? await callStats(db, scope, filters) : undefined;
    // Snippets are lines of transcripts: a search is a transcript read (what was asked stays out).
    if (filters.q) {
      await audit(db, {
        actor: actorOf(c),
        action: 'transcript.search',
        callId: null,
        details: { calls: page.items.length },
      });
    }
    return c.json(toWire({ ...page, ...(stats ? { stats } : {}) }), 200);
  },
});

export const getCallEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: detailRoute,
  handler: async (c) => {
    const { db } = c.get('deps').database;
    const { id } = c.req.valid('param');
    const detail = await callDetail(db, scopeOf(c), id);
    if (!detail) throw new AppError(404, 'call_not_found', 'no such call', 'id');
    if (detail === 'forbidden')
      throw new AppError(403, 'forbidden', "this call belongs to a site you don't handle", 'id');
    // The detail holds the transcript: every read of one is audited.
    await audit(db, { actor: actorOf(c), action: 'transcript.read', callId: id });
    return c.json(toWire(detail), 200);
  },
});
