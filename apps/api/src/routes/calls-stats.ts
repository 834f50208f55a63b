import { createRoute, z } from '@hono/zod-openapi';
import { AppError, pgTimestamp } from '@voicedesk/core';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { bucketCount, callStatsReport, MAX_BUCKETS } from '../services/call-stats.ts';
import { defineRoute } from './define.ts';
import { staffAny } from './guards.ts';
import { scopeOf } from './staff-scope.ts';

/** Without a range: the last 30 days, the view a support lead opens every morning. */
const DEFAULT_RANGE_MS = 30 * 86_400_000;

const statsQuery = z.object({
  from: pgTimestamp({ offset: true })
    .optional()
    .openapi({ description: 'Inclusive; default: 30 days before to' }),
  to: pgTimestamp({ offset: true }).optional().openapi({ description: 'Exclusive; default: now' }),
  siteId: z.string().uuid().optional(),
  bucket: z.enum(['day', 'hour']).default('day').openapi({ description: 'UTC days or hours' }),
});

const statsReport = z
  .object({
    totals: z.object({
      calls: z.number(),
      minutes: z.number(),
      averageDurationSeconds: z.number().nullable(),
      missedRate: z.number().describe('missed / ended calls, 0..1'),
    }),
    endReasons: z.record(z.string(), z.number()),
    series: z.array(
      z.object({ bucketStart: z.string(), calls: z.number(), minutes: z.number(), missed: z.number() }),
    ),
  })
  .openapi('CallStatsReport');

const route = createRoute({
  method: 'get',
  path: '/v1/calls/stats',
  tags: ['calls'],
  summary: 'Totals, end reasons and calls over time for a range of creation times (staff)',
  request: { query: statsQuery },
  responses: { 200: jsonResponse('Call statistics', statsReport), ...errorResponses(400, 401) },
});

export const callStatsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route,
  handler: async (c) => {
    const deps = c.get('deps');
    const q = c.req.valid('query');
    const to = q.to ? new Date(q.to) : (deps.now?.() ?? new Date());
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
    if (from >= to) throw new AppError(400, 'validation_failed', 'from must be before to', 'from');
    const request = { from, to, siteId: q.siteId, bucket: q.bucket };
    if (bucketCount(request) > MAX_BUCKETS) {
      throw new AppError(
        400,
        'validation_failed',
        `this range holds more than ${MAX_BUCKETS} ${q.bucket} buckets: choose a larger bucket or a shorter range`,
        'bucket',
      );
    }
    return c.json(await callStatsReport(deps.database.db, scopeOf(c), request), 200);
  },
});
