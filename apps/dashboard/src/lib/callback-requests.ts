import type { CallbackRequest, CallbackStatus, Role } from '../api/types.ts';

/** Oldest waiting first: the visitor who asked first is called back first. */
const byCreated = (a: CallbackRequest, b: CallbackRequest) => a.createdAt.localeCompare(b.createdAt);

/**
 * The list after an `event: callback`: a request joins or is updated in place while its status is
 * one the list shows, and leaves it otherwise (closed while open ones are listed).
 */
export function applyCallbackEvent(
  items: readonly CallbackRequest[],
  item: CallbackRequest,
  shown: readonly CallbackStatus[],
): CallbackRequest[] {
  const rest = items.filter((i) => i.id !== item.id);
  return shown.includes(item.status) ? [...rest, item].sort(byCreated) : rest;
}

/**
 * Which buttons a request shows this user: anyone of the site claims an open one; the claimer (or
 * an admin) closes it, and closing an open one claims it too (the API decides; this only avoids
 * offering what it would refuse).
 */
export function callbackActions(
  item: CallbackRequest,
  me: { id: string; role: Role },
): { claim: boolean; close: boolean } {
  if (item.status === 'closed') return { claim: false, close: false };
  if (item.status === 'open') return { claim: true, close: true };
  return { claim: false, close: item.claimedBy?.id === me.id || me.role === 'admin' };
}
