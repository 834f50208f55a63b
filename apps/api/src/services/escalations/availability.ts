import {
  type Db,
  escalationDeclines,
  staffAvailability,
  staffSessions,
  staffSiteMembers,
  staffUsers,
} from '@voicedesk/db';
import { and, eq, exists, gt, isNull, notExists, or, sql } from 'drizzle-orm';

/** A staff member says they can take calls now (true) or are away (false). */
export async function setAvailability(db: Db, userId: string, available: boolean, now: Date): Promise<void> {
  await db
    .insert(staffAvailability)
    .values({ userId, available, changedAt: now })
    .onConflictDoUpdate({ target: staffAvailability.userId, set: { available, changedAt: now } });
}

export async function isAvailable(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ available: staffAvailability.available })
    .from(staffAvailability)
    .where(eq(staffAvailability.userId, userId));
  return row?.available ?? false;
}

/**
 * Who may be offered a call of this site now: enabled accounts that said they are available and
 * are still signed in somewhere (signing out, or a session expiring, ends it), admins (who see
 * every site) or agents of the site. With `escalationId`, those who already
 * declined it are left out.
 */
export async function availableStaffOf(db: Db, siteId: string, escalationId?: string): Promise<string[]> {
  const rows = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .innerJoin(staffAvailability, eq(staffAvailability.userId, staffUsers.id))
    .where(
      and(
        eq(staffAvailability.available, true),
        isNull(staffUsers.disabledAt),
        exists(
          db
            .select({ one: sql`1` })
            .from(staffSessions)
            .where(
              and(
                eq(staffSessions.userId, staffUsers.id),
                isNull(staffSessions.revokedAt),
                gt(staffSessions.expiresAt, sql`now()`),
              ),
            ),
        ),
        or(
          eq(staffUsers.role, 'admin'),
          exists(
            db
              .select({ one: sql`1` })
              .from(staffSiteMembers)
              .where(and(eq(staffSiteMembers.userId, staffUsers.id), eq(staffSiteMembers.siteId, siteId))),
          ),
        ),
        escalationId === undefined
          ? undefined
          : notExists(
              db
                .select({ one: sql`1` })
                .from(escalationDeclines)
                .where(
                  and(
                    eq(escalationDeclines.userId, staffUsers.id),
                    eq(escalationDeclines.escalationId, escalationId),
                  ),
                ),
            ),
      ),
    );
  return rows.map((r) => r.id);
}
