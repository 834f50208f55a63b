import { createRoute, z } from '@hono/zod-openapi';
import { AppError, CALL_STATUSES, pgTimestamp } from '@voicedesk/core';
import { callIdParamSchema, errorResponses, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { callDetail, callStats, listCalls } from '../services/calls-query.ts';
import { actorOf, assertCallVisible } from '../services/staff/staff-scope.ts';
import { defineRoute } from './define.ts';
import { staffAny, staffOf } from './guards.ts';

const statusList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(z.array(z.enum(CALL_STATUSES)))
  .openapi({ example: 'completed,missed' });

const listQuery = z.object({
  status: statusList.optional(),
  siteId: z.string().uuid().optional(),
  from: pgTimestamp({ offset: true }).optional(),
  to: pgTimestamp({ offset: true }).optional(),
  cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  stats: z.enum(['0', '1', 'true', 'false']).optional(),
});

const callSummary = z
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
  summary: "List calls, newest first (staff; an agent sees their sites' calls only)",
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

const detailRoute = createRoute({
  method: 'get',
  path: '/v1/calls/{id}',
  tags: ['calls'],
  summary: 'One call with participants, transcript, events and metrics (staff; audited)',
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('The call', z.record(z.string(), z.unknown()).openapi('CallDetail')),
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
      siteIds: staffOf(c).siteIds,
    };
    if (filters.from && filters.to && filters.from > filters.to) {
      throw new AppError(400, 'validation_failed', 'from must be before to', 'from');
    }
    const page = await listCalls(db, filters, { limit: q.limit, cursor: q.cursor });
    const wantStats = q.stats === '1' || q.stats === 'true';
    const stats = wantStats ? await callStats(db, filters) : undefined;
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
    const staff = staffOf(c);
    await assertCallVisible(db, staff, id);
    const detail = await callDetail(db, id);
    if (!detail) throw new AppError(404, 'call_not_found', 'no such call', 'id');
    // The detail holds the transcript: every read of one is audited.
    await audit(db, { actor: actorOf(staff), action: 'transcript.read', callId: id });
    return c.json(toWire(detail), 200);
  },
});
