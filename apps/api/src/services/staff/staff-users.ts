import { type Db, newId, type StaffRole, staffSiteMembers, staffUsers } from '@voicedesk/db';
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';

/** The contract's `user`: what the dashboard shows about a staff member (never the hash). */
export interface StaffUserWire {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  siteIds: string[];
  disabled: boolean;
}

export type StaffUserRow = typeof staffUsers.$inferSelect;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export async function siteIdsOf(db: Db, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .select()
    .from(staffSiteMembers)
    .where(inArray(staffSiteMembers.userId, [...userIds]));
  for (const r of rows) map.set(r.userId, [...(map.get(r.userId) ?? []), r.siteId]);
  return map;
}

export function toWire(row: StaffUserRow, siteIds: string[]): StaffUserWire {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    siteIds: [...siteIds].sort(),
    disabled: row.disabledAt !== null,
  };
}

export async function loadUserWire(db: Db, id: string): Promise<StaffUserWire | null> {
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
  if (!row) return null;
  return toWire(row, (await siteIdsOf(db, [id])).get(id) ?? []);
}

export async function findUserByEmail(db: Db, email: string): Promise<StaffUserRow | undefined> {
  const [row] = await db
    .select()
    .from(staffUsers)
    .where(eq(staffUsers.email, normaliseEmail(email)));
  return row;
}

/** True while no enabled admin exists: the first-run setup is open. */
export async function setupNeeded(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(staffUsers)
    .where(and(eq(staffUsers.role, 'admin'), isNull(staffUsers.disabledAt)));
  return (row?.n ?? 0) === 0;
}

/** Enabled admins other than `exceptId`: an admin may not remove the last one. */
export async function otherActiveAdmins(db: Db, exceptId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(staffUsers)
    .where(and(eq(staffUsers.role, 'admin'), isNull(staffUsers.disabledAt), ne(staffUsers.id, exceptId)));
  return row?.n ?? 0;
}

export async function insertUser(
  db: Db,
  user: {
    email: string;
    name: string;
    role: StaffRole;
    passwordHash: string | null;
    siteIds: readonly string[];
  },
): Promise<StaffUserRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(staffUsers)
      .values({
        id: newId(),
        email: normaliseEmail(user.email),
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    if (user.siteIds.length) {
      await tx.insert(staffSiteMembers).values(user.siteIds.map((siteId) => ({ userId: row.id, siteId })));
    }
    return row;
  });
}

export async function replaceSites(db: Db, userId: string, siteIds: readonly string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(staffSiteMembers).where(eq(staffSiteMembers.userId, userId));
    if (siteIds.length) {
      await tx.insert(staffSiteMembers).values(siteIds.map((siteId) => ({ userId, siteId })));
    }
  });
}
