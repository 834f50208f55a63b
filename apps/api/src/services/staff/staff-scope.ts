import { AppError } from '@voicedesk/core';
import { type Db, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import type { AuditActor } from '../audit.ts';

/** Who the caller is, once a staff guard let them in (contract-13: handlers read `c.var.staff`). */
export interface StaffScope {
  /** `bootstrap`: the ADMIN_API_KEY. */
  kind: 'user' | 'api_key' | 'bootstrap';
  /** The staff user's or API key's id; null for the bootstrap key. */
  id: string | null;
  /** API keys and the bootstrap key act as admin. */
  role: 'admin' | 'agent';
  /** Agents: the sites they work for; admins: 'all'. */
  siteIds: readonly string[] | 'all';
}

/** The audit log's `actor`: `staff:<id>`, `api-key:<id>`, or `admin-key` (the bootstrap key). */
export function actorOf(staff: StaffScope): AuditActor {
  if (staff.kind === 'user') return `staff:${staff.id}`;
  if (staff.kind === 'api_key') return `api-key:${staff.id}`;
  return 'admin-key';
}

export function seesSite(staff: StaffScope, siteId: string): boolean {
  return staff.siteIds === 'all' || staff.siteIds.includes(siteId);
}

/**
 * One call, for a caller who may only see some sites: 404 when no such call, 403 when it belongs
 * to a site the caller does not work for (an agent learns it exists, never what it holds).
 */
export async function assertCallVisible(db: Db, staff: StaffScope, callId: string): Promise<void> {
  if (staff.siteIds === 'all') return;
  const [row] = await db
    .select({ siteId: voiceCalls.siteId })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  if (!row) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  if (!seesSite(staff, row.siteId)) {
    throw new AppError(403, 'forbidden', "this call belongs to a site you don't work for", 'id');
  }
}
