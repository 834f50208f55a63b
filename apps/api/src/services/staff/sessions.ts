import { type Db, newId, staffSessions, staffSiteMembers, staffUsers } from '@voicedesk/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { StaffScope } from './staff-scope.ts';
import { newToken, tokenHash } from './tokens.ts';

/** A session's expiry slides at most once per this: reads do not each cost a write. */
const SLIDE_EVERY_MS = 60_000;

export async function createSession(db: Db, userId: string, now: Date, ttlSeconds: number): Promise<string> {
  const token = newToken();
  await db.insert(staffSessions).values({
    id: newId(),
    tokenHash: tokenHash(token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
  });
  await db.update(staffUsers).set({ lastSeenAt: now }).where(eq(staffUsers.id, userId));
  return token;
}

/** The session behind a token while it is open: not revoked, its user not disabled (expiry is the caller's). */
async function findSession(db: Db, token: string) {
  const [row] = await db
    .select({
      sessionId: staffSessions.id,
      expiresAt: staffSessions.expiresAt,
      lastSeenAt: staffSessions.lastSeenAt,
      userId: staffUsers.id,
      role: staffUsers.role,
    })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
    .where(
      and(
        eq(staffSessions.tokenHash, tokenHash(token)),
        isNull(staffSessions.revokedAt),
        isNull(staffUsers.disabledAt),
      ),
    );
  return row;
}

/**
 * What a session may see now, without sliding it, or null once it has ended (signed out, user
 * disabled, expired): what a long-lived response (the Live event stream) asks now and then, so
 * that ending the session or changing the user's role or sites reaches it too.
 */
export async function sessionScopeNow(
  db: Db,
  token: string,
  now: Date,
): Promise<Pick<StaffScope, 'role' | 'siteIds'> | null> {
  const row = await findSession(db, token);
  if (!row || row.expiresAt <= now) return null;
  return { role: row.role, siteIds: await siteIdsOf(db, row.userId, row.role) };
}

/** `all` for an admin, else the sites the user is a member of. */
async function siteIdsOf(db: Db, userId: string, role: StaffScope['role']): Promise<StaffScope['siteIds']> {
  if (role === 'admin') return 'all';
  const members = await db
    .select({ siteId: staffSiteMembers.siteId })
    .from(staffSiteMembers)
    .where(eq(staffSiteMembers.userId, userId));
  return members.map((m) => m.siteId);
}

/**
 * The signed-in user behind a cookie token, or null when the session is unknown, revoked,
 * expired, or its user is disabled. A live session slides its expiry forward.
 */
export async function resolveSession(
  db: Db,
  token: string,
  now: Date,
  ttlSeconds: number,
): Promise<(StaffScope & { kind: 'user'; id: string; slid: boolean }) | null> {
  const row = await findSession(db, token);
  if (!row || row.expiresAt <= now) return null;
  const slid = !row.lastSeenAt || now.getTime() - row.lastSeenAt.getTime() > SLIDE_EVERY_MS;
  if (slid) {
    await db
      .update(staffSessions)
      .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) })
      .where(eq(staffSessions.id, row.sessionId));
    await db.update(staffUsers).set({ lastSeenAt: now }).where(eq(staffUsers.id, row.userId));
  }
  const siteIds = await siteIdsOf(db, row.userId, row.role);
  return { kind: 'user', id: row.userId, role: row.role, siteIds, slid };
}

export async function revokeSession(db: Db, token: string, now: Date): Promise<void> {
  await db
    .update(staffSessions)
    .set({ revokedAt: now })
    .where(and(eq(staffSessions.tokenHash, tokenHash(token)), isNull(staffSessions.revokedAt)));
}

/** Every session of a user ends at once (the account was disabled). Roles are read per request. */
export async function revokeUserSessions(db: Db, userId: string, now: Date): Promise<void> {
  await db
    .update(staffSessions)
    .set({ revokedAt: now })
    .where(and(eq(staffSessions.userId, userId), isNull(staffSessions.revokedAt)));
}
