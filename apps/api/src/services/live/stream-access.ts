import type { Db } from '@voicedesk/db';
import { apiKeyStillActive } from '../staff/api-keys.ts';
import { sessionScopeNow } from '../staff/sessions.ts';
import type { StaffScope } from '../staff/staff-scope.ts';

const sameSites = (a: StaffScope['siteIds'], b: StaffScope['siteIds']) => {
  if (a === 'all' || b === 'all') return a === b;
  const mine = new Set(a);
  return a.length === b.length && b.every((id) => mine.has(id));
};

/**
 * How a long-lived stream asks, now and then, whether what let it open still holds: the guard only
 * saw its start. A session must still be open with the same role and sites: a stream whose scope
 * changed ends, and the client's reconnect opens one with the new scope (narrowing a stream in
 * place would need the hub to re-filter, and widening it would miss what was stored meanwhile).
 * An API key must not be revoked. The bootstrap key is configuration and needs no check.
 * Returns undefined when there is nothing to check.
 */
export function streamAccessCheck(
  db: Db,
  staff: StaffScope,
  sessionToken: string | undefined,
  now: () => Date,
): (() => Promise<boolean>) | undefined {
  if (staff.kind === 'user' && sessionToken !== undefined) {
    return async () => {
      const current = await sessionScopeNow(db, sessionToken, now());
      return current !== null && current.role === staff.role && sameSites(current.siteIds, staff.siteIds);
    };
  }
  if (staff.kind === 'api_key' && staff.id !== null) {
    const keyId = staff.id;
    return () => apiKeyStillActive(db, keyId);
  }
  return undefined;
}
