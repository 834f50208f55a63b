import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { refuseForeignOrigin, setSessionCookie } from '../middleware/staff-cookie.ts';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { acceptInvite } from '../services/staff/invites.ts';
import { rememberDevice } from '../services/staff/known-device.ts';
import { countSignInAttempt } from '../services/staff/login-limits.ts';
import { hashPassword } from '../services/staff/passwords.ts';
import { createSession } from '../services/staff/sessions.ts';
import { loadUserWire, normaliseEmail } from '../services/staff/staff-users.ts';
import { defineRoute } from './define.ts';
import { publicRoute } from './guards.ts';
import { newPasswordSchema, personNameSchema, userResponse } from './staff-schemas.ts';

export const acceptInviteEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  route: createRoute({
    method: 'post',
    path: '/v1/auth/invite/accept',
    tags: ['auth'],
    summary: 'Accept an invite link: choose a password and sign in',
    request: {
      body: jsonBody(
        z.object({
          token: z.string().min(1).max(200),
          password: newPasswordSchema,
          name: personNameSchema.optional(),
        }),
      ),
    },
    responses: {
      200: jsonResponse('Signed in (vd_session cookie)', userResponse),
      ...errorResponses(400, 403, 429),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const body = c.req.valid('json');
    refuseForeignOrigin(c);
    await countSignInAttempt(c);
    const now = deps.now?.() ?? new Date();
    const userId = await acceptInvite(
      db,
      body.token,
      { passwordHash: await hashPassword(body.password), name: body.name },
      now,
    );
    const user = userId ? await loadUserWire(db, userId) : null;
    if (!userId || !user) {
      throw new AppError(403, 'invalid_code', 'this invite link is unknown, used or expired', 'token');
    }
    setSessionCookie(c, await createSession(db, userId, now, deps.config.staff.sessionTtlSeconds));
    rememberDevice(c, normaliseEmail(user.email), now);
    await audit(db, { actor: `staff:${userId}`, action: 'staff.invite_accept', callId: null });
    return c.json({ user }, 200);
  },
});
