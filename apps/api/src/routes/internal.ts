import { createRoute, z } from '@hono/zod-openapi';
import {
  AppError,
  agentEndCallSchema,
  assistantConfigSchema,
  isTerminal,
  metricBatchSchema,
  SEQ_BLOCK,
  segmentBatchSchema,
} from '@voicedesk/core';
import { callMetrics, newId, sites, transcriptSegments, voiceCalls } from '@voicedesk/db';
import { desc, eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { appendSegments, assembleTranscript } from '../services/transcript.ts';
import { defineRoute } from './define.ts';
import { serviceOnly } from './guards.ts';

const common = errorResponses(400, 401, 404, 413, 415);

const assistantRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/assistant',
  tags: ['internal'],
  summary: "An assistant job takes the call: the site's assistant settings and its segment numbers",
  request: { params: callIdParamSchema },
  responses: { 200: jsonResponse('Assistant settings', assistantConfigSchema), ...common },
});

const segmentsRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/segments',
  tags: ['internal'],
  summary: 'Append final transcript segments (idempotent by seq)',
  request: { params: callIdParamSchema, body: jsonBody(segmentBatchSchema) },
  responses: { 200: jsonResponse('Stored', z.object({ accepted: z.number().int() })), ...common },
});

const metricsRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/metrics',
  tags: ['internal'],
  summary: 'Store per-turn metrics (idempotent by turn and kind)',
  request: { params: callIdParamSchema, body: jsonBody(metricBatchSchema) },
  responses: { 200: jsonResponse('Stored', z.object({ accepted: z.number().int() })), ...common },
});

const endRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/end',
  tags: ['internal'],
  summary: 'The assistant ends the call (end_call tool, maximum length)',
  request: { params: callIdParamSchema, body: jsonBody(agentEndCallSchema) },
  responses: { 200: jsonResponse('Ended', z.object({ status: z.string() })), ...common },
});

/** The call an /internal route is about, or the 404 the agent's reporter treats as final. */
export async function loadCall(deps: AppDeps, id: string) {
  const [call] = await deps.database.db
    .select({
      id: voiceCalls.id,
      status: voiceCalls.status,
      siteId: voiceCalls.siteId,
      callerName: voiceCalls.callerName,
    })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, id));
  if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  return call;
}

const HISTORY_SEGMENTS = 40;

/** What was said so far, oldest first, so a second assistant carries on instead of starting over. */
async function recentHistory(deps: AppDeps, callId: string) {
  const rows = await deps.database.db
    .select({ speaker: transcriptSegments.speaker, text: transcriptSegments.text })
    .from(transcriptSegments)
    .where(eq(transcriptSegments.callId, callId))
    .orderBy(desc(transcriptSegments.startedAt), desc(transcriptSegments.seq))
    .limit(HISTORY_SEGMENTS);
  return rows
    .reverse()
    .filter((r) => r.speaker === 'visitor' || r.speaker === 'ai')
    .map((r) => ({
      speaker: r.speaker === 'ai' ? ('assistant' as const) : ('visitor' as const),
      text: r.text,
    }));
}

export const assistantEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: assistantRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const call = await loadCall(deps, c.req.valid('param').id);
    const [site] = await deps.database.db.select().from(sites).where(eq(sites.id, call.siteId));
    if (!site) throw new AppError(404, 'site_not_found', 'the call has no site', 'id');
    // A retried request takes another block of numbers: wasteful, never a collision.
    const [claim] = await deps.database.db
      .update(voiceCalls)
      .set({ assistantJobs: sql`${voiceCalls.assistantJobs} + 1` })
      .where(eq(voiceCalls.id, call.id))
      .returning({ jobs: voiceCalls.assistantJobs });
    const jobs = claim?.jobs ?? 1;
    const resumed = jobs > 1;
    const history = resumed ? await recentHistory(deps, call.id) : [];
    return c.json(
      {
        callId: call.id,
        siteId: site.id,
        instructions: site.instructions,
        greeting: site.greeting,
        voice: site.voice,
        language: site.language,
        model: site.model,
        maxCallSeconds: site.maxCallSeconds,
        idleSeconds: site.idleTimeoutSeconds,
        callerName: call.callerName,
        seqBase: (jobs - 1) * SEQ_BLOCK,
        resumed,
        history,
      },
      200,
    );
  },
});

export const segmentsEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: segmentsRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const call = await loadCall(deps, c.req.valid('param').id);
    const accepted = await appendSegments(deps.database.db, call.id, c.req.valid('json').segments);
    // Segments flushed after hang-up still belong in the frozen export.
    if (accepted > 0 && isTerminal(call.status)) await assembleTranscript(deps.database.db, call.id);
    return c.json({ accepted }, 200);
  },
});

export const metricsEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: metricsRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const call = await loadCall(deps, c.req.valid('param').id);
    const rows = await deps.database.db
      .insert(callMetrics)
      .values(
        c.req.valid('json').metrics.map((m) => ({
          id: newId(),
          callId: call.id,
          turn: m.turn,
          kind: m.kind,
          values: m.values,
        })),
      )
      .onConflictDoUpdate({
        target: [callMetrics.callId, callMetrics.turn, callMetrics.kind],
        set: { values: sql`excluded.values` },
      })
      .returning({ id: callMetrics.id });
    return c.json({ accepted: rows.length }, 200);
  },
});

export const agentEndCallEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: endRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const call = await loadCall(deps, c.req.valid('param').id);
    const { reason } = c.req.valid('json');
    const now = deps.now?.() ?? new Date();
    const outcome = await applyCallEvent(deps, {
      eventId: `agent:end:${call.id}`,
      type: 'call_ended',
      source: 'agent',
      callId: call.id,
      createdAt: now,
      lifecycle: { type: 'call_ended', at: now.getTime(), reason },
      payload: { reason },
    });
    return c.json({ status: outcome.projection?.status ?? call.status }, 200);
  },
});
