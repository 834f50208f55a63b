import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { refuseForeignOrigin, setSessionCookie } from '../middleware/staff-cookie.ts';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { rememberDevice } from '../services/staff/known-device.ts';
import { countSignInAttempt } from '../services/staff/login-limits.ts';
import { hashPassword } from '../services/staff/passwords.ts';
import { createSession } from '../services/staff/sessions.ts';
import { clearSetupCodes, setupCodeValid } from '../services/staff/setup-code.ts';
import {
  findUserByEmail,
  insertUser,
  normaliseEmail,
  setupNeeded,
  toWire,
} from '../services/staff/staff-users.ts';
import { defineRoute } from './define.ts';
import { publicRoute } from './guards.ts';
import { emailSchema, newPasswordSchema, personNameSchema, userResponse } from './staff-schemas.ts';

export const setupStatusEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  route: createRoute({
    method: 'get',
    path: '/v1/auth/setup',
    tags: ['auth'],
    summary: 'Whether the first-run setup is open (no admin exists yet)',
    responses: { 200: jsonResponse('Setup state', z.object({ needed: z.boolean() })) },
  }),
  handler: async (c) => c.json({ needed: await setupNeeded(c.get('deps').database.db) }, 200),
});

/** Two setups racing: the second waits here, then finds an admin and is refused. */
const SETUP_LOCK = 7_305_441_913;

export const setupEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  route: createRoute({
    method: 'post',
    path: '/v1/auth/setup',
    tags: ['auth'],
    summary: "Create the first admin with the one-time code from the API's log, and sign in",
    request: {
      body: jsonBody(
        z.object({
          code: z.string().min(1).max(64),
          email: emailSchema,
          name: personNameSchema,
          password: newPasswordSchema,
        }),
      ),
    },
    responses: {
      201: jsonResponse('The first admin, signed in (vd_session cookie)', userResponse),
      ...errorResponses(400, 403, 409, 429),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const body = c.req.valid('json');
    refuseForeignOrigin(c);
    await countSignInAttempt(c);
    if (!(await setupNeeded(db)))
      throw new AppError(409, 'already_set_up', 'an admin exists: sign in instead');
    if (!(await setupCodeValid(db, body.code))) {
      throw new AppError(403, 'invalid_code', "this is not the setup code from the API's log", 'code');
    }
    const passwordHash = await hashPassword(body.password);
    const user = await db.transaction(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(${SETUP_LOCK})`);
      if (!(await setupNeeded(tx)))
        throw new AppError(409, 'already_set_up', 'an admin exists: sign in instead');
      if (await findUserByEmail(tx, body.email)) {
        throw new AppError(409, 'conflict', 'a staff member has this email', 'email');
      }
      const row = await insertUser(tx, { ...body, role: 'admin', passwordHash, siteIds: [] });
      await clearSetupCodes(tx);
      return row;
    });
    const now = deps.now?.() ?? new Date();
    setSessionCookie(c, await createSession(db, user.id, now, deps.config.staff.sessionTtlSeconds));
    rememberDevice(c, normaliseEmail(user.email), now);
    await audit(db, { actor: `staff:${user.id}`, action: 'auth.setup', callId: null });
    return c.json({ user: toWire(user, []) }, 201);
  },
});
