import { type Db, escalations } from '@voicedesk/db';
import { and, asc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import type { SiteScope } from '../live/query.ts';

/** What staff see of an offer (the dashboard's card). */
export interface EscalationView {
  id: string;
  callId: string;
  siteId: string;
  status: string;
  reason: string;
  summary: string;
  requestedAt: string;
  expiresAt: string;
}

const columns = {
  id: escalations.id,
  callId: escalations.callId,
  siteId: escalations.siteId,
  status: escalations.status,
  reason: escalations.reason,
  summary: escalations.summary,
  requestedAt: escalations.requestedAt,
  expiresAt: escalations.expiresAt,
};

type Row = { [K in keyof typeof columns]: (typeof escalations.$inferSelect)[K extends 'id' ? 'id' : K] };

function toView(row: Row): EscalationView {
  return { ...row, requestedAt: row.requestedAt.toISOString(), expiresAt: row.expiresAt.toISOString() };
}

export async function readEscalation(db: Db, id: string): Promise<EscalationView | undefined> {
  const [row] = await db.select(columns).from(escalations).where(eq(escalations.id, id));
  return row ? toView(row) : undefined;
}

/** Offers still ringing on the given sites, oldest first. */
export async function ringingEscalations(db: Db, scope: SiteScope, now: Date): Promise<EscalationView[]> {
  if (scope !== 'all' && scope.length === 0) return [];
  const conditions: SQL[] = [eq(escalations.status, 'ringing'), gt(escalations.expiresAt, now)];
  if (scope !== 'all') conditions.push(inArray(escalations.siteId, [...scope]));
  const rows = await db
    .select(columns)
    .from(escalations)
    .where(and(...conditions))
    .orderBy(asc(escalations.requestedAt));
  return rows.map(toView);
}
