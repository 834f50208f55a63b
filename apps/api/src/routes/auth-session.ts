import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import {
  clearSessionCookie,
  refuseForeignOrigin,
  sessionToken,
  setSessionCookie,
} from '../middleware/staff-cookie.ts';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { rememberDevice } from '../services/staff/known-device.ts';
import { accountGate, countFailedLogin, countSignInAttempt } from '../services/staff/login-limits.ts';
import { verifyPassword } from '../services/staff/passwords.ts';
import { createSession, revokeSession } from '../services/staff/sessions.ts';
import { findUserByEmail, loadUserWire, normaliseEmail } from '../services/staff/staff-users.ts';
import { defineRoute } from './define.ts';
import { publicRoute, staffOf, staffSession } from './guards.ts';
import { userResponse } from './staff-schemas.ts';

export const loginEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  route: createRoute({
    method: 'post',
    path: '/v1/auth/login',
    tags: ['auth'],
    summary: 'Sign in with email and password (sets the vd_session cookie)',
    request: {
      body: jsonBody(
        z.object({
          email: z.string().trim().min(1).max(254),
          password: z.string().min(1).max(1024).openapi({ format: 'password' }),
        }),
      ),
    },
    responses: {
      200: jsonResponse('Signed in', userResponse),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const body = c.req.valid('json');
    refuseForeignOrigin(c);
    const email = normaliseEmail(body.email);
    await countSignInAttempt(c);
    const gate = await accountGate(c, email);
    const user = await findUserByEmail(db, email);
    // The hash is checked even for an unknown or disabled account: every refusal costs the same.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? null);
    if (!user || !ok || user.disabledAt) {
      await countFailedLogin(c, gate);
      throw new AppError(401, 'invalid_credentials', 'wrong email or password', 'password');
    }
    const now = deps.now?.() ?? new Date();
    rememberDevice(c, email, now);
    setSessionCookie(c, await createSession(db, user.id, now, deps.config.staff.sessionTtlSeconds));
    const wire = await loadUserWire(db, user.id);
    if (!wire) throw new AppError(401, 'invalid_credentials', 'wrong email or password', 'password');
    return c.json({ user: wire }, 200);
  },
});

export const logoutEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  route: createRoute({
    method: 'post',
    path: '/v1/auth/logout',
    tags: ['auth'],
    summary: 'Sign out: the session is revoked and the cookie cleared (idempotent)',
    responses: { 204: { description: 'Signed out' }, ...errorResponses(403) },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const token = sessionToken(c);
    if (token) await revokeSession(deps.database.db, token, deps.now?.() ?? new Date());
    clearSessionCookie(c);
    return c.body(null, 204);
  },
});

export const sessionEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: createRoute({
    method: 'get',
    path: '/v1/auth/session',
    tags: ['auth'],
    summary: 'Who is signed in (the vd_session cookie)',
    responses: { 200: jsonResponse('The signed-in user', userResponse), ...errorResponses(401) },
  }),
  handler: async (c) => {
    const user = await loadUserWire(c.get('deps').database.db, staffOf(c).id ?? '');
    if (!user) throw new AppError(401, 'unauthorized', 'your session has ended: sign in again');
    return c.json({ user }, 200);
  },
});
