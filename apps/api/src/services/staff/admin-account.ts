import { type Db, staffUsers } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { audit } from '../audit.ts';
import { createInvite } from './invites.ts';
import { revokeUserSessions } from './sessions.ts';
import { clearSetupCodes } from './setup-code.ts';
import { findUserByEmail, insertUser } from './staff-users.ts';

/**
 * `npm run admin:create`: whoever can run commands on the server may make an admin. An
 * existing account (a locked-out admin, an agent) becomes an enabled admin again, with a new
 * password or a new one-time link; its old sessions end.
 */
export async function createAdminAccount(
  db: Db,
  input: { email: string; name: string; passwordHash: string | null },
  now: Date,
): Promise<{ userId: string; existed: boolean; inviteToken: string | null }> {
  const existing = await findUserByEmail(db, input.email);
  let userId: string;
  if (existing) {
    userId = existing.id;
    await db
      .update(staffUsers)
      .set({
        role: 'admin',
        disabledAt: null,
        ...(input.passwordHash ? { passwordHash: input.passwordHash } : {}),
      })
      .where(eq(staffUsers.id, userId));
    await revokeUserSessions(db, userId, now);
  } else {
    userId = (await insertUser(db, { ...input, role: 'admin', siteIds: [] })).id;
  }
  await clearSetupCodes(db);
  const inviteToken = input.passwordHash ? null : await createInvite(db, userId, now);
  await audit(db, {
    actor: 'system:cli',
    action: existing ? 'staff.update' : 'staff.create',
    callId: null,
    details: { userId, role: 'admin', via: 'admin:create' },
  });
  return { userId, existed: existing !== undefined, inviteToken };
}
