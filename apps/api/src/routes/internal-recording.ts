import { createRoute, z } from '@hono/zod-openapi';
import {
  AppError,
  RECORDING_CONTENT_TYPE,
  recordingChunkQuerySchema,
  recordingFinishSchema,
} from '@voicedesk/core';
import { mediaTypeOf } from '../middleware/json-only.ts';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { runDueCallJobs } from '../services/call-jobs.ts';
import { finishRecording, storeChunk } from '../services/recordings.ts';
import { defineRoute } from './define.ts';
import { serviceOnly } from './guards.ts';
import { loadCall } from './internal.ts';

const chunkRoute = createRoute({
  method: 'put',
  path: '/internal/calls/{id}/recording/chunks/{seq}',
  tags: ['internal'],
  summary: "One chunk of the built-in recorder's Ogg stream (idempotent per seq)",
  request: {
    params: callIdParamSchema.extend({
      seq: z.coerce
        .number()
        .int()
        .min(0)
        .max(100_000)
        .openapi({ param: { name: 'seq', in: 'path' } }),
    }),
    query: recordingChunkQuerySchema,
    body: {
      required: true,
      content: { [RECORDING_CONTENT_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    200: jsonResponse('Stored', z.object({ stored: z.literal(true) })),
    ...errorResponses(400, 401, 404, 409, 413, 415, 503),
  },
});

/**
 * The recorder streams each call to here as it records: at most one chunk interval of audio is
 * ever only on the recorder. Chunks are stored at once; a store outage answers 503 and the
 * recorder keeps the chunk on its disk until it is taken.
 */
export const recordingChunkEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: chunkRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id, seq } = c.req.valid('param');
    if (mediaTypeOf(c.req.header('content-type')) !== RECORDING_CONTENT_TYPE) {
      throw new AppError(
        415,
        'unsupported_media_type',
        `content-type must be ${RECORDING_CONTENT_TYPE}`,
        'content-type',
      );
    }
    await loadCall(deps, id);
    const body = Buffer.from(await c.req.arrayBuffer());
    await storeChunk(deps, id, seq, c.req.valid('query'), body);
    return c.json({ stored: true as const }, 200);
  },
});

const finishRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/recording/finish',
  tags: ['internal'],
  summary: 'The built-in recorder is done with this call: its chunks are joined into the recording',
  request: { params: callIdParamSchema, body: jsonBody(recordingFinishSchema) },
  responses: {
    200: jsonResponse('Closing', z.object({ finishing: z.literal(true) })),
    ...errorResponses(400, 401, 404, 409, 413, 415),
  },
});

export const recordingFinishEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: finishRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    await loadCall(deps, id);
    await finishRecording(deps, id, c.req.valid('json'));
    // Joined now when the store answers; otherwise the job runner retries.
    await runDueCallJobs(deps, { callId: id }).catch(() => {});
    return c.json({ finishing: true as const }, 200);
  },
});
