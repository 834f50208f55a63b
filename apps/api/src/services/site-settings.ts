import { auditLog, type Db, newId, sites } from '@voicedesk/db';
import { asc, eq, inArray } from 'drizzle-orm';
import type { AuditAction, AuditActor } from './audit.ts';
import type { SiteScope } from './calls-query.ts';
import { DEFAULT_GREETING, DEFAULT_INSTRUCTIONS, generateSiteKey, type SiteRow } from './sites.ts';

/**
 * The settings an admin edits. The agent fetches a site's settings when it takes a call
 * (/internal/calls/:id/assistant) and POST /v1/calls reads origins, hours and limits per request,
 * so a change applies to the next call; calls in progress keep what they started with.
 */
export type SiteSettings = Partial<
  Pick<
    SiteRow,
    | 'name'
    | 'allowedOrigins'
    | 'instructions'
    | 'greeting'
    | 'voice'
    | 'language'
    | 'model'
    | 'maxCallSeconds'
    | 'idleTimeoutSeconds'
    | 'maxPendingCalls'
    | 'maxActiveCalls'
    | 'businessHours'
    | 'escalationEnabled'
    | 'offerSeconds'
    | 'recordingEnabled'
    | 'recordingNotice'
    | 'retentionDays'
    | 'theme'
  >
>;

export async function listSites(db: Db, scope: SiteScope): Promise<SiteRow[]> {
  if (scope !== 'all' && scope.length === 0) return [];
  const query = db.select().from(sites);
  const scoped = scope === 'all' ? query : query.where(inArray(sites.id, [...scope]));
  return scoped.orderBy(asc(sites.createdAt), asc(sites.id));
}

export async function createSite(
  db: Db,
  actor: AuditActor,
  settings: SiteSettings & { name: string },
): Promise<SiteRow> {
  return db.transaction(async (tx) => {
    const [site] = await tx
      .insert(sites)
      .values({
        instructions: DEFAULT_INSTRUCTIONS,
        greeting: DEFAULT_GREETING,
        theme: { buttonLabel: 'Talk to support', color: '#2563eb', position: 'bottom-right' },
        ...settings,
        id: newId(),
        publicKey: generateSiteKey(),
      })
      .returning();
    if (!site) throw new Error('the site was not created');
    await tx.insert(auditLog).values({
      id: newId(),
      actor,
      action: 'site.create' satisfies AuditAction,
      callId: null,
      details: { siteId: site.id, settings },
    });
    return site;
  });
}

/**
 * Applies the fields that differ from the stored ones and audits them, old and new value each,
 * in one transaction. Undefined: no such site. A patch that changes nothing writes nothing.
 */
export async function updateSite(
  db: Db,
  actor: AuditActor,
  id: string,
  patch: SiteSettings,
  check: (merged: SiteRow, current: SiteRow) => void,
): Promise<SiteRow | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(sites).where(eq(sites.id, id)).for('update');
    if (!current) return undefined;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, value] of Object.entries(patch) as [keyof SiteSettings, unknown][]) {
      if (value === undefined) continue;
      if (JSON.stringify(current[key]) !== JSON.stringify(value))
        changes[key] = { from: current[key], to: value };
    }
    check({ ...current, ...patch } as SiteRow, current);
    if (Object.keys(changes).length === 0) return current;
    const set = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to])) as SiteSettings;
    const [updated] = await tx
      .update(sites)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(sites.id, id))
      .returning();
    await tx.insert(auditLog).values({
      id: newId(),
      actor,
      action: 'site.update' satisfies AuditAction,
      callId: null,
      details: { siteId: id, changes },
    });
    return updated;
  });
}
