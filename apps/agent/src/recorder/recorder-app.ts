import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type ErrorCode, type ErrorEnvelope, type RecorderStart, recorderStartSchema } from '@voicedesk/core';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AgentLogger } from '../logger.ts';
import type { StartResult } from './recorder.ts';

export interface RecorderAppDeps {
  serviceKey: string;
  recorder: { start(request: RecorderStart): StartResult; readonly recordings: number };
  logger: AgentLogger;
}

/**
 * Both sides are HMAC'd with a key drawn once per process, so the comparison always runs over
 * two 32-byte digests: its time depends neither on where the keys differ nor on their length
 * (as the API's service-key guard does).
 */
const COMPARE_KEY = randomBytes(32);
const digest = (value: string) => createHmac('sha256', COMPARE_KEY).update(value, 'utf8').digest();

function keysEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
}

function fail(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  field?: string,
  headers?: Record<string, string>,
): Response {
  const body: ErrorEnvelope = {
    error: { code, message, ...(field ? { field } : {}), requestId: randomUUID() },
  };
  return c.json(body, status, headers);
}

/**
 * The recorder's HTTP surface: the API asks it to record a call (`POST /recordings`, the
 * service key as bearer, recorderStartSchema) and a supervisor checks it is alive.
 */
export function createRecorderApp(deps: RecorderAppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok', recordings: deps.recorder.recordings }));

  app.post(
    '/recordings',
    async (c, next) => {
      const token = bearerToken(c.req.header('authorization'));
      if (!token) return fail(c, 401, 'unauthorized', 'service key required', 'authorization');
      if (!keysEqual(token, deps.serviceKey)) {
        return fail(c, 401, 'unauthorized', 'invalid service key', 'authorization');
      }
      await next();
    },
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => fail(c, 413, 'payload_too_large', 'request body is too large', 'body'),
    }),
    async (c) => {
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        return fail(c, 400, 'validation_failed', 'body is not valid JSON', 'body');
      }
      const parsed = recorderStartSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || 'body';
        return fail(c, 400, 'validation_failed', `${field}: ${issue?.message ?? 'invalid'}`, field);
      }
      const result = deps.recorder.start(parsed.data);
      if (result === 'closing') {
        return fail(c, 503, 'internal', 'the recorder is shutting down', undefined, { 'retry-after': '5' });
      }
      return c.json({ callId: parsed.data.callId, status: result }, 202);
    },
  );

  app.notFound((c) => fail(c, 404, 'not_found', 'no such route'));
  app.onError((error, c) => {
    deps.logger.error({ error: error.name }, 'recorder request failed');
    return fail(c, 500, 'internal', 'internal error');
  });
  return app;
}
