import { type Db, newId, staffInvites, staffUsers } from '@voicedesk/db';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { newToken, tokenHash } from './tokens.ts';

export const INVITE_TTL_MS = 7 * 24 * 3600_000;

/** A fresh one-time link for a user; earlier unused links of theirs stop working. */
export async function createInvite(db: Db, userId: string, now: Date): Promise<string> {
  const token = newToken();
  await db.transaction(async (tx) => {
    await tx
      .update(staffInvites)
      .set({ usedAt: now })
      .where(and(eq(staffInvites.userId, userId), isNull(staffInvites.usedAt)));
    await tx.insert(staffInvites).values({
      id: newId(),
      tokenHash: tokenHash(token),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
    });
  });
  return token;
}

export function inviteUrl(base: string, token: string): string {
  return `${base.replace(/\/$/, '')}/app/invite/${token}`;
}

/**
 * Spends an invite: sets the password (and name), marks the link used. Null when the link is
 * unknown, used, expired, or its user is disabled. Exactly one of two racing accepts wins.
 */
export async function acceptInvite(
  db: Db,
  token: string,
  update: { passwordHash: string; name?: string | undefined },
  now: Date,
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [invite] = await tx
      .update(staffInvites)
      .set({ usedAt: now })
      .where(
        and(
          eq(staffInvites.tokenHash, tokenHash(token)),
          isNull(staffInvites.usedAt),
          gt(staffInvites.expiresAt, now),
        ),
      )
      .returning({ userId: staffInvites.userId });
    if (!invite) return null;
    const [user] = await tx
      .update(staffUsers)
      .set({ passwordHash: update.passwordHash, ...(update.name ? { name: update.name } : {}) })
      .where(and(eq(staffUsers.id, invite.userId), isNull(staffUsers.disabledAt)))
      .returning({ id: staffUsers.id });
    return user?.id ?? null;
  });
}
