import { auditLog, type Db, newId } from '@voicedesk/db';

/** Who did it: the bootstrap admin key today; staff users and program keys come with accounts. */
export type AuditActor = 'admin-key' | 'system:retention';

export type AuditAction =
  | 'recording.url'
  | 'call.export'
  | 'call.delete'
  | 'retention.delete'
  // Written by services/site-settings.ts, in the transaction of the change.
  | 'site.create'
  | 'site.update';

/** Every read of a recording or an export, and every erasure, leaves a row: who, what, which call, when. */
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
