import { auditLog, type Db, newId } from '@voicedesk/db';

/** Who did it: a staff user, an API key, the bootstrap ADMIN_API_KEY, or the system (staff-scope.ts actorOf). */
export type AuditActor =
  | 'admin-key'
  | 'system:retention'
  | 'system:cli'
  | `staff:${string}`
  | `api-key:${string}`;

export type AuditAction =
  | 'transcript.read'
  | 'transcript.search'
  | 'live.read'
  | 'recording.url'
  | 'call.export'
  | 'call.delete'
  | 'retention.delete'
  | 'auth.setup'
  | 'staff.create'
  | 'staff.update'
  | 'staff.invite'
  | 'staff.invite_accept'
  | 'api_key.create'
  | 'api_key.revoke'
  /** A staff member took a call: they hear it and get its room. */
  | 'escalation.accept'
  /** Callback requests hold the visitor's name and contact. */
  | 'callback.read'
  // Written by services/site-settings.ts, in the transaction of the change.
  | 'site.create'
  | 'site.update';

/**
 * Every read of a transcript or recording, every export and erasure, and every change to staff
 * and keys leaves a row: who, what, which call (if any), when.
 */
export async function audit(
  db: Db,
  entry: { actor: AuditActor; action: AuditAction; callId: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values({
    id: newId(),
    actor: entry.actor,
    action: entry.action,
    callId: entry.callId,
    details: entry.details ?? {},
  });
}
