import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { type Db, STAFF_ROLES, sites, staffUsers } from '@voicedesk/db';
import { asc, eq, inArray } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { ownOrigin } from '../middleware/staff-cookie.ts';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { createInvite, inviteUrl } from '../services/staff/invites.ts';
import { revokeUserSessions } from '../services/staff/sessions.ts';
import { actorOf } from '../services/staff/staff-scope.ts';
import {
  findUserByEmail,
  insertUser,
  loadUserWire,
  otherActiveAdmins,
  replaceSites,
  siteIdsOf,
  toWire,
} from '../services/staff/staff-users.ts';
import { defineRoute } from './define.ts';
import { staffAdmin, staffOf } from './guards.ts';
import {
  emailSchema,
  personNameSchema,
  staffUserListedSchema,
  staffUserSchema,
  userResponse,
  uuidParam,
} from './staff-schemas.ts';

const siteIdsSchema = z.array(z.string().uuid('must be site ids (uuid)')).max(500);

async function assertSitesExist(db: Db, siteIds: readonly string[]): Promise<void> {
  if (siteIds.length === 0) return;
  const found = await db
    .select({ id: sites.id })
    .from(sites)
    .where(inArray(sites.id, [...siteIds]));
  if (found.length !== new Set(siteIds).size) {
    throw new AppError(400, 'validation_failed', 'siteIds: names a site that does not exist', 'siteIds');
  }
}

const baseUrl = (c: Context<AppEnv>) => c.get('deps').config.publicBaseUrl ?? ownOrigin(c);

export const listStaffEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'get',
    path: '/v1/staff',
    tags: ['staff'],
    summary: 'Staff members (admin)',
    responses: {
      200: jsonResponse('Everyone, by email', z.object({ items: z.array(staffUserListedSchema) })),
      ...errorResponses(401, 403),
    },
  }),
  handler: async (c) => {
    const { db } = c.get('deps').database;
    const rows = await db.select().from(staffUsers).orderBy(asc(staffUsers.email));
    const members = await siteIdsOf(
      db,
      rows.map((r) => r.id),
    );
    const items = rows.map((r) => ({
      ...toWire(r, members.get(r.id) ?? []),
      createdAt: r.createdAt.toISOString(),
      lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
    }));
    return c.json({ items }, 200);
  },
});

export const createStaffEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'post',
    path: '/v1/staff',
    tags: ['staff'],
    summary: 'Invite a staff member: returns a one-time link, valid 7 days (admin; audited)',
    request: {
      body: jsonBody(
        z.object({
          email: emailSchema,
          name: personNameSchema,
          role: z.enum(STAFF_ROLES),
          siteIds: siteIdsSchema.default([]),
        }),
      ),
    },
    responses: {
      201: jsonResponse(
        'Invited; the link is shown once',
        z.object({ user: staffUserSchema, inviteUrl: z.string() }),
      ),
      ...errorResponses(400, 401, 403, 409),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const body = c.req.valid('json');
    await assertSitesExist(db, body.siteIds);
    if (await findUserByEmail(db, body.email)) {
      throw new AppError(409, 'conflict', 'a staff member has this email', 'email');
    }
    const row = await insertUser(db, { ...body, passwordHash: null });
    const token = await createInvite(db, row.id, deps.now?.() ?? new Date());
    await audit(db, {
      actor: actorOf(staffOf(c)),
      action: 'staff.create',
      callId: null,
      details: { userId: row.id, role: body.role, siteIds: body.siteIds },
    });
    return c.json({ user: toWire(row, body.siteIds), inviteUrl: inviteUrl(baseUrl(c), token) }, 201);
  },
});

export const updateStaffEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'patch',
    path: '/v1/staff/{id}',
    tags: ['staff'],
    summary: "Change a staff member's role, sites, or disable them (sessions end at once) (admin; audited)",
    request: {
      params: uuidParam('staff'),
      body: jsonBody(
        z.object({
          role: z.enum(STAFF_ROLES).optional(),
          siteIds: siteIdsSchema.optional(),
          disabled: z.boolean().optional(),
        }),
      ),
    },
    responses: {
      200: jsonResponse('Changed', userResponse),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const now = deps.now?.() ?? new Date();
    const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
    if (!row) throw new AppError(404, 'not_found', 'no such staff member', 'id');
    const losesAdmin =
      row.role === 'admin' && row.disabledAt === null && (body.role === 'agent' || body.disabled === true);
    if (losesAdmin && (await otherActiveAdmins(db, id)) === 0) {
      throw new AppError(
        409,
        'conflict',
        'this is the last admin: make someone else admin first',
        body.disabled ? 'disabled' : 'role',
      );
    }
    if (body.siteIds) {
      await assertSitesExist(db, body.siteIds);
      await replaceSites(db, id, body.siteIds);
    }
    const disabledAt =
      body.disabled === undefined ? row.disabledAt : body.disabled ? (row.disabledAt ?? now) : null;
    await db
      .update(staffUsers)
      .set({ role: body.role ?? row.role, disabledAt })
      .where(eq(staffUsers.id, id));
    if (body.disabled) await revokeUserSessions(db, id, now);
    await audit(db, {
      actor: actorOf(staffOf(c)),
      action: 'staff.update',
      callId: null,
      details: { userId: id, ...body },
    });
    const user = await loadUserWire(db, id);
    if (!user) throw new AppError(404, 'not_found', 'no such staff member', 'id');
    return c.json({ user }, 200);
  },
});

export const reinviteStaffEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'post',
    path: '/v1/staff/{id}/invite',
    tags: ['staff'],
    summary:
      'A new one-time link (a lost invite or a forgotten password); older links stop working (admin; audited)',
    request: { params: uuidParam('staff') },
    responses: {
      201: jsonResponse('The link, shown once', z.object({ inviteUrl: z.string() })),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const { id } = c.req.valid('param');
    const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
    if (!row) throw new AppError(404, 'not_found', 'no such staff member', 'id');
    if (row.disabledAt)
      throw new AppError(409, 'conflict', 'enable this account before inviting it again', 'id');
    const token = await createInvite(db, id, deps.now?.() ?? new Date());
    await audit(db, {
      actor: actorOf(staffOf(c)),
      action: 'staff.invite',
      callId: null,
      details: { userId: id },
    });
    return c.json({ inviteUrl: inviteUrl(baseUrl(c), token) }, 201);
  },
});
