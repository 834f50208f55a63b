import { AppError } from '@voicedesk/core';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';

export const SESSION_COOKIE = 'vd_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The API's own origin: PUBLIC_BASE_URL when set (behind a proxy), else what the request was sent to. */
export function ownOrigin(c: Context<AppEnv>): string {
  const base = c.get('deps').config.publicBaseUrl;
  return new URL(base ?? c.req.url).origin;
}

function secure(c: Context<AppEnv>): boolean {
  return ownOrigin(c).startsWith('https:');
}

export function sessionToken(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: secure(c),
    maxAge: c.get('deps').config.staff.sessionTtlSeconds,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c), httpOnly: true, sameSite: 'Lax' });
}

const originRefused = () =>
  new AppError(
    403,
    'origin_refused',
    'this request must come from the dashboard itself (its Origin is not ours)',
    'origin',
  );

/**
 * Sign-in routes set the cookie, so a foreign page must not post to them either (login CSRF:
 * signing the victim into the attacker's account). Programs that send no Origin are let through.
 */
export function refuseForeignOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin');
  if (origin !== undefined && origin.replace(/\/$/, '').toLowerCase() !== ownOrigin(c).toLowerCase()) {
    throw originRefused();
  }
}

/**
 * CSRF: a state-changing request that carries the staff cookie must come from the API's own
 * origin (the dashboard is served from it). SameSite=Lax already keeps the cookie off most
 * cross-site writes; this also covers same-site neighbours and old browsers. Runs before any
 * route, so no write can slip past it; a missing Origin is refused too.
 */
export const cookieOriginCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method) && sessionToken(c) !== undefined) {
    const origin = c.req.header('origin');
    if (!origin || origin.replace(/\/$/, '').toLowerCase() !== ownOrigin(c).toLowerCase()) {
      throw originRefused();
    }
  }
  await next();
};
