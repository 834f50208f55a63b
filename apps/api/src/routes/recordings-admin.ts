import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import type { StorageConfig } from '@voicedesk/config';
import { AppError, RECORDING_STATUSES } from '@voicedesk/core';
import { callIdParamSchema, errorResponses, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { signRecordingLink, verifyRecordingLink } from '../services/recording-links.ts';
import { loadRecording } from '../services/recordings.ts';
import { actorOf, assertCallVisible } from '../services/staff/staff-scope.ts';
import type { ByteRange } from '../services/storage/object-store.ts';
import { defineRoute } from './define.ts';
import { signedLink, staffAny, staffOf } from './guards.ts';

const urlRoute = createRoute({
  method: 'get',
  path: '/v1/calls/{id}/recording',
  tags: ['calls'],
  summary: "A short-lived URL of the call's recording, which plays and seeks in a browser (staff; audited)",
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse(
      'Where to fetch it',
      z
        .object({
          url: z.string(),
          expiresAt: z.string(),
          status: z.enum(RECORDING_STATUSES),
          contentType: z.string(),
          durationMs: z.number().nullable(),
          bytes: z.number().nullable(),
          startedAt: z.string().nullable(),
        })
        .openapi('RecordingLink'),
    ),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

/**
 * Browsers fetch presigned URLs straight from the store when they can reach it: AWS itself (no
 * endpoint set), or the operator's S3_PUBLIC_ENDPOINT. Otherwise (compose's minio:9000, the file
 * store) the API streams the object behind a signed link.
 */
function browserReachesStore(storage: StorageConfig): boolean {
  return storage.kind === 's3' && (storage.publicEndpoint !== undefined || storage.endpoint === undefined);
}

export const recordingUrlEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: urlRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const staff = staffOf(c);
    await assertCallVisible(deps.database.db, staff, id);
    const row = await loadRecording(deps, id);
    if (!row || row.status === 'failed') {
      throw new AppError(404, 'recording_not_found', 'this call has no recording', 'id');
    }
    if (row.status === 'active') {
      throw new AppError(
        409,
        'conflict',
        'the recording is still being made; ask again when the call has ended',
        'id',
      );
    }
    const ttl = deps.config.recording.urlTtlSeconds;
    const now = deps.now?.() ?? new Date();
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    const presigned = browserReachesStore(deps.config.storage)
      ? await deps.storage.presignGet(row.key, ttl, { filename: `call-${id}.ogg` })
      : null;
    const base = deps.config.publicBaseUrl ?? new URL(c.req.url).origin;
    const url =
      presigned ??
      `${base}/v1/recordings/${signRecordingLink(id, expiresAt, deps.config.internalServiceKey)}`;
    await audit(deps.database.db, { actor: actorOf(staff), action: 'recording.url', callId: id });
    return c.json(
      {
        url,
        expiresAt: expiresAt.toISOString(),
        status: row.status,
        contentType: row.contentType,
        durationMs: row.durationMs,
        bytes: row.bytes,
        startedAt: row.startedAt?.toISOString() ?? null,
      },
      200,
    );
  },
});

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range; browsers seeking an <audio> send one). */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const streamRoute = createRoute({
  method: 'get',
  path: '/v1/recordings/{token}',
  tags: ['calls'],
  summary: 'The recording behind a signed link from GET /v1/calls/{id}/recording (supports Range)',
  request: {
    params: z.object({
      token: z
        .string()
        .max(200)
        .openapi({ param: { name: 'token', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'The whole recording',
      content: { 'audio/ogg': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    206: {
      description: 'Part of it',
      content: { 'audio/ogg': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...errorResponses(403, 404, 416),
  },
});

export const recordingStreamEntry = defineRoute({
  audience: 'signed',
  guard: signedLink,
  route: streamRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const check = verifyRecordingLink(
      c.req.valid('param').token,
      deps.config.internalServiceKey,
      deps.now?.() ?? new Date(),
    );
    if (!check.ok) throw new AppError(403, 'forbidden', 'this is not a valid recording link', 'token');
    const row = await loadRecording(deps, check.callId);
    const size = row && row.status !== 'active' ? await deps.storage.size(row.key) : null;
    if (!row || size === null)
      throw new AppError(404, 'recording_not_found', 'this recording no longer exists');
    const headers = {
      'accept-ranges': 'bytes',
      'content-type': row.contentType,
      // Personal data: no shared cache may keep it.
      'cache-control': 'private, no-store',
    };
    const range = parseRange(c.req.header('range'), size);
    if (range === 'unsatisfiable') {
      return c.body(null, 416, { ...headers, 'content-range': `bytes */${size}` });
    }
    const obj = await deps.storage.get(row.key, range);
    if (!obj) throw new AppError(404, 'recording_not_found', 'this recording no longer exists');
    const body = Readable.toWeb(obj.body) as ReadableStream;
    if (range && obj.range) {
      return c.body(body, 206, {
        ...headers,
        'content-length': String(obj.range.end - obj.range.start + 1),
        'content-range': `bytes ${obj.range.start}-${obj.range.end}/${obj.size}`,
      });
    }
    return c.body(body, 200, { ...headers, 'content-length': String(obj.size) });
  },
});
