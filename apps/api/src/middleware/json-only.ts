import { AppError } from '@voicedesk/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** A Content-Type header's media type, without its parameters, lower-cased ('' when absent). */
export const mediaTypeOf = (header: string | undefined): string =>
  header?.split(';')[0]?.trim().toLowerCase() ?? '';

/** Rejects writes of another type before validation so the error names the real problem. */
export const requireContentType =
  (type: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const length = c.req.header('content-length');
      // Node's server gives every POST a body stream, even `curl -X POST` with no body and no
      // length; without a length, look for an actual byte (read and kept by limitBody, which runs
      // first) instead of trusting the stream's presence.
      const hasBody = length === undefined ? (await c.req.arrayBuffer()).byteLength > 0 : Number(length) > 0;
      if (hasBody && mediaTypeOf(c.req.header('content-type')) !== type) {
        throw new AppError(415, 'unsupported_media_type', `content-type must be ${type}`, 'content-type');
      }
    }
    await next();
  };

export const requireJson = requireContentType('application/json');
