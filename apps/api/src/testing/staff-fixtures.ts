import type { ApiKeyScope, StaffRole } from '@voicedesk/db';
import { type Db, newId, sites, staffUsers, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { ensureDefaultSite } from '../services/sites.ts';
import { createApiKey } from '../services/staff/api-keys.ts';
import { hashPassword } from '../services/staff/passwords.ts';
import { createSession, revokeSession } from '../services/staff/sessions.ts';
import { insertUser } from '../services/staff/staff-users.ts';

/** The origin app.request's URLs have: what the cookie origin check expects. */
export const OWN_ORIGIN = 'http://localhost';
export const TEST_PASSWORD = 'correct horse battery staple';

export interface StaffFixture {
  id: string;
  email: string;
  /** A live session's cookie token. */
  token: string;
}

/** A staff member with a password and a live session, straight in the database. Test-only. */
export async function addStaff(
  db: Db,
  opts: { email: string; role: StaffRole; siteIds?: string[]; state?: 'live' | 'disabled' | 'revoked' },
): Promise<StaffFixture> {
  const user = await insertUser(db, {
    email: opts.email,
    name: opts.email.split('@')[0] ?? 'staff',
    role: opts.role,
    passwordHash: await hashPassword(TEST_PASSWORD),
    siteIds: opts.siteIds ?? [],
  });
  const token = await createSession(db, user.id, new Date(), 3600);
  if (opts.state === 'disabled') {
    await db.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.id, user.id));
  }
  if (opts.state === 'revoked') await revokeSession(db, token, new Date());
  return { id: user.id, email: user.email, token };
}

export async function addApiKey(db: Db, scopes: ApiKeyScope[]) {
  const { row, secret } = await createApiKey(db, {
    name: `key ${scopes.join(' ')}`,
    scopes,
    createdBy: 'test',
  });
  return { id: row.id, secret };
}

export async function defaultSiteId(db: Db): Promise<string> {
  const [site] = await db.select({ id: sites.id }).from(sites).limit(1);
  if (!site) throw new Error('no site');
  return site.id;
}

export const cookie = (token: string) => ({ cookie: `vd_session=${token}` });

/** A second site and a call of it: what an agent of the first site must never read. */
export async function addSiteWithCall(db: Db, key: string): Promise<{ siteId: string; callId: string }> {
  const site = await ensureDefaultSite(db, { key, origins: [] });
  const callId = newId();
  await db.insert(voiceCalls).values({
    id: callId,
    roomName: `call-${callId}`,
    siteId: site.id,
    callerIdentity: `visitor-${callId}`,
    joinDeadline: new Date(Date.now() + 600_000),
  });
  return { siteId: site.id, callId };
}

/** The session token a response set, or undefined. */
export function sessionCookieOf(res: Response): string | undefined {
  const header = res.headers.get('set-cookie') ?? '';
  return /vd_session=([^;]*)/.exec(header)?.[1] || undefined;
}
