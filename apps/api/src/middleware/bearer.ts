import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@voicedesk/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Guards a router with one shared secret taken from the config at request time. */
export function requireBearer(
  pick: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string,
  what: string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new AppError(401, 'unauthorized', `${what} required`, 'authorization');
    if (!safeEqual(token, pick(c)))
      throw new AppError(401, 'unauthorized', `invalid ${what}`, 'authorization');
    await next();
  };
}
