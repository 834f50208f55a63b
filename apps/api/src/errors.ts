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

/** The Postgres fields that name where a statement failed without quoting any of its values. */
const POSTGRES_WHERE = ['table_name', 'column_name', 'constraint_name', 'routine'] as const;

/**
 * What an unexpected error may tell the log: its kind and codes, never its message. A database
 * error's message quotes the statement's parameters (a caller's name, a sentence they said),
 * and its detail repeats the failing row.
 */
export function errorFacts(err: unknown): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  const chain: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (!(current instanceof Error)) {
      chain.push(typeof current);
      break;
    }
    chain.push(current.name);
    const fields = current as Error & Record<string, unknown>;
    const code = fields.code;
    if (typeof code === 'string' || typeof code === 'number') {
      // SQLSTATE is five digits or capitals; anything else is a system or library code (ECONNREFUSED).
      if (/^[0-9A-Z]{5}$/.test(String(code))) facts.sqlState ??= String(code);
      else facts.code ??= String(code);
    }
    for (const key of POSTGRES_WHERE) {
      if (typeof fields[key] === 'string') facts[key] ??= fields[key];
    }
    current = fields.cause;
  }
  facts.errors = chain;
  // Frames only: the stack's first line is the message.
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  facts.frames = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 8)
    .map((line) => line.trim());
  return facts;
}
