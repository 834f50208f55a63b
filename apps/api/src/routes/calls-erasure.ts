import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { callIdParamSchema, errorResponses, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { eraseCall } from '../services/call-erasure.ts';
import { callDetail } from '../services/calls-query.ts';
import { loadRecording } from '../services/recordings.ts';
import { actorOf } from '../services/staff/staff-scope.ts';
import { defineRoute } from './define.ts';
import { staffAdmin, staffAny, staffOf } from './guards.ts';
import { scopeOf } from './staff-scope.ts';

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/calls/{id}',
  tags: ['calls'],
  summary: 'Erase a call everywhere: audio, transcript and its search data, events (admin; audited)',
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('Erased', z.object({ erased: z.literal(true), objects: z.number().int() })),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const deleteCallEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: deleteRoute,
  handler: async (c) => {
    const { objects } = await eraseCall(c.get('deps'), c.req.valid('param').id, {
      actor: actorOf(staffOf(c)),
      action: 'call.delete',
    });
    return c.json({ erased: true as const, objects }, 200);
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/calls/{id}/export',
  tags: ['calls'],
  summary: 'Everything stored about a call, its audio included (staff; audited)',
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse(
      'The call, its transcript, events, metrics and audio (base64)',
      z.record(z.string(), z.unknown()),
    ),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

/** For a data-subject request: one self-contained JSON document, the audio inside it. */
export const exportCallEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: exportRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const staff = staffOf(c);
    const detail = await callDetail(deps.database.db, scopeOf(c), id);
    if (!detail) throw new AppError(404, 'call_not_found', 'no such call', 'id');
    if (detail === 'forbidden')
      throw new AppError(403, 'forbidden', "this call belongs to a site you don't handle", 'id');
    const row = await loadRecording(deps, id);
    let audio: { contentType: string; base64: string } | null = null;
    if (row && row.status !== 'active' && row.status !== 'failed') {
      const obj = await deps.storage.get(row.key).catch(() => {
        throw new AppError(503, 'storage_unavailable', 'the recording store is unavailable, try again');
      });
      if (obj)
        audio = {
          contentType: row.contentType,
          base64: Buffer.concat(await obj.body.toArray()).toString('base64'),
        };
    }
    await audit(deps.database.db, { actor: actorOf(staff), action: 'call.export', callId: id });
    return c.json(
      JSON.parse(JSON.stringify({ exportedAt: new Date().toISOString(), call: detail, audio })),
      200,
    );
  },
});
