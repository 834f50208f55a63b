import { AppError, type ErrorEnvelope } from '@voicedesk/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { AppEnv } from './app-env.ts';

export function envelope(c: Context<AppEnv>, error: AppError): Response {
  const body: ErrorEnvelope = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
      requestId: c.get('requestId') ?? 'unknown',
    },
  };
  return c.json(body, error.status as ContentfulStatusCode, error.headers);
}

export function validationError(error: ZodError, location: 'body' | 'query' | 'path' | 'header'): AppError {
  const issue = error.issues[0];
  // A bad record key is the caller's own data (maybe a NUL byte): name the record, not the key.
  const badKey = issue?.code === 'invalid_key';
  // Query and path errors name the parameter; body errors keep the full path (segments.0.seq).
  const segments = (badKey ? issue.path.slice(0, -1) : (issue?.path ?? [])).map(String);
  const path = location === 'body' ? segments.join('.') : (segments[0] ?? '');
  const field = path || location;
  const reason = badKey ? `a key ${issue.issues[0]?.message ?? 'is invalid'}` : issue?.message;
  const message = issue ? `${field}: ${reason}` : `invalid ${location}`;
  return new AppError(400, 'validation_failed', message, field);
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413)
      return new AppError(413, 'payload_too_large', 'request body is too large', 'body');
    if (err.status === 400) return new AppError(400, 'validation_failed', 'body is not valid JSON', 'body');
  }
  return new AppError(500, 'internal', 'internal error');
}
