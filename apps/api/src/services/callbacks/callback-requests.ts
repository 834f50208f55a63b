import { AppError, isTerminal } from '@voicedesk/core';
import { type CallbackStatus, callbackRequests, type Db, newId, staffUsers, voiceCalls } from '@voicedesk/db';
import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps.ts';
import { notifyCallbackChanged } from '../live/notify.ts';
import type { SiteScope } from '../live/query.ts';
import { type StaffScope, seesSite } from '../staff/staff-scope.ts';

/** What staff see of a callback request (the dashboard's callbacks page and `event: callback`). */
export interface CallbackRequestView {
  id: string;
  callId: string;
  siteId: string;
  name: string;
  contact: string;
  reason: string;
  status: CallbackStatus;
  claimedBy: { id: string; name: string } | null;
  createdAt: string;
  closedAt: string | null;
}

const LIST_LIMIT = 500;

const columns = {
  id: callbackRequests.id,
  callId: callbackRequests.callId,
  siteId: callbackRequests.siteId,
  name: callbackRequests.name,
  contact: callbackRequests.contact,
  reason: callbackRequests.reason,
  status: callbackRequests.status,
  claimedBy: callbackRequests.claimedBy,
  claimerName: staffUsers.name,
  createdAt: callbackRequests.createdAt,
  closedAt: callbackRequests.closedAt,
};

async function select(db: Db, where: SQL | undefined) {
  const rows = await db
    .select(columns)
    .from(callbackRequests)
    .leftJoin(staffUsers, eq(staffUsers.id, callbackRequests.claimedBy))
    .where(where)
    .orderBy(asc(callbackRequests.createdAt), asc(callbackRequests.id))
    .limit(LIST_LIMIT);
  return rows.map(
    (r): CallbackRequestView => ({
      id: r.id,
      callId: r.callId,
      siteId: r.siteId,
      name: r.name,
      contact: r.contact,
      reason: r.reason,
      status: r.status,
      // An account removed since keeps its claim, under a name that says so.
      claimedBy: r.claimedBy ? { id: r.claimedBy, name: r.claimerName ?? 'former staff member' } : null,
      createdAt: r.createdAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
    }),
  );
}

export async function readCallbackRequest(db: Db, id: string): Promise<CallbackRequestView | undefined> {
  return (await select(db, eq(callbackRequests.id, id)))[0];
}

/** Oldest first (who has waited longest); `open` and `claimed` unless told. */
export async function listCallbackRequests(
  db: Db,
  scope: SiteScope,
  statuses: readonly CallbackStatus[],
): Promise<CallbackRequestView[]> {
  if (scope !== 'all' && scope.length === 0) return [];
  return select(
    db,
    and(
      inArray(callbackRequests.status, [...statuses]),
      scope === 'all' ? undefined : inArray(callbackRequests.siteId, [...scope]),
    ),
  );
}

/**
 * The assistant stores what the visitor asked (`request_callback`). One per call: a retry (the
 * first answer was lost) gets the same id back, `created: false`, even once the call has ended.
 */
export async function createCallbackRequest(
  deps: AppDeps,
  callId: string,
  body: { name: string; contact: string; reason: string },
): Promise<{ id: string; created: boolean }> {
  const db = deps.database.db;
  const existing = async () =>
    (
      await db
        .select({ id: callbackRequests.id })
        .from(callbackRequests)
        .where(eq(callbackRequests.callId, callId))
    )[0];
  const [call] = await db
    .select({ id: voiceCalls.id, siteId: voiceCalls.siteId, status: voiceCalls.status })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  const before = await existing();
  if (before) return { id: before.id, created: false };
  if (isTerminal(call.status)) {
    throw new AppError(409, 'call_not_active', `the call has already ended (${call.status})`, 'id');
  }
  const id = newId();
  const inserted = await db.transaction(async (tx) => {
    const rows = await tx
      .insert(callbackRequests)
      .values({ id, callId, siteId: call.siteId, ...body, createdAt: deps.now?.() ?? new Date() })
      // Two retries racing: the unique call id lets one in; the other reads it below.
      .onConflictDoNothing({ target: callbackRequests.callId })
      .returning({ id: callbackRequests.id });
    if (rows.length > 0) await notifyCallbackChanged(tx, id);
    return rows.length > 0;
  });
  if (inserted) return { id, created: true };
  const winner = await existing();
  if (!winner) throw new AppError(409, 'conflict', 'try again', 'id');
  return { id: winner.id, created: false };
}

async function visible(db: Db, staff: StaffScope, id: string) {
  const [row] = await db
    .select({
      siteId: callbackRequests.siteId,
      status: callbackRequests.status,
      claimedBy: callbackRequests.claimedBy,
    })
    .from(callbackRequests)
    .where(eq(callbackRequests.id, id));
  if (!row || !seesSite(staff, row.siteId)) {
    throw new AppError(404, 'callback_request_not_found', 'no such callback request', 'id');
  }
  return row;
}

const claimedByOther = () =>
  new AppError(409, 'callback_claimed', 'another staff member has claimed this callback request', 'id');

/** Take a request to call back: it is yours (again: 200) unless someone else has it (409). */
export async function claimCallbackRequest(
  deps: AppDeps,
  staff: StaffScope & { id: string },
  id: string,
): Promise<CallbackRequestView> {
  const db = deps.database.db;
  await visible(db, staff, id);
  const now = deps.now?.() ?? new Date();
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(callbackRequests)
      .set({ status: 'claimed', claimedBy: staff.id, claimedAt: now })
      .where(and(eq(callbackRequests.id, id), eq(callbackRequests.status, 'open')))
      .returning({ id: callbackRequests.id });
    if (rows.length > 0) await notifyCallbackChanged(tx, id);
  });
  const item = await readCallbackRequest(db, id);
  if (!item) throw new AppError(404, 'callback_request_not_found', 'no such callback request', 'id');
  if (item.status === 'closed') {
    throw new AppError(409, 'conflict', 'this callback request is closed already', 'id');
  }
  if (item.claimedBy?.id !== staff.id) throw claimedByOther();
  return item;
}

/**
 * Done with it. Only whoever claimed it, or an admin; closing an open one claims it too, so the
 * record says who called back. Closing a closed one answers it as it is.
 */
export async function closeCallbackRequest(
  deps: AppDeps,
  staff: StaffScope & { id: string },
  id: string,
): Promise<CallbackRequestView> {
  const db = deps.database.db;
  await visible(db, staff, id);
  const now = deps.now?.() ?? new Date();
  const mayClose =
    staff.role === 'admin'
      ? eq(callbackRequests.status, 'claimed')
      : and(eq(callbackRequests.status, 'claimed'), eq(callbackRequests.claimedBy, staff.id));
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(callbackRequests)
      .set({
        status: 'closed',
        closedAt: now,
        claimedBy: sql`coalesce(${callbackRequests.claimedBy}, ${staff.id}::uuid)`,
        claimedAt: sql`coalesce(${callbackRequests.claimedAt}, ${now.toISOString()}::timestamptz)`,
      })
      .where(and(eq(callbackRequests.id, id), or(eq(callbackRequests.status, 'open'), mayClose)))
      .returning({ id: callbackRequests.id });
    if (rows.length > 0) await notifyCallbackChanged(tx, id);
  });
  const item = await readCallbackRequest(db, id);
  if (!item) throw new AppError(404, 'callback_request_not_found', 'no such callback request', 'id');
  if (item.status !== 'closed') throw claimedByOther();
  return item;
}
