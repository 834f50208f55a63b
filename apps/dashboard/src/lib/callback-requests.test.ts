import { describe, expect, it } from 'vitest';
import type { CallbackRequest } from '../api/types.ts';
import { applyCallbackEvent, callbackActions } from './callback-requests.ts';

const request = (id: string, over: Partial<CallbackRequest> = {}): CallbackRequest => ({
  id,
  callId: `call-${id}`,
  siteId: 's1',
  name: 'Sam',
  contact: 'sam@example.com',
  reason: 'Wants to move a booking',
  status: 'open',
  claimedBy: null,
  createdAt: `2026-11-25T10:00:0${id.length}.000Z`,
  closedAt: null,
  ...over,
});

describe('the callback requests list as events arrive', () => {
  it('adds a new request, oldest waiting first, and updates a known one in place', () => {
    let items = [request('bb')];
    items = applyCallbackEvent(items, request('a'), ['open', 'claimed']);
    expect(items.map((i) => i.id)).toEqual(['a', 'bb']);
    items = applyCallbackEvent(
      items,
      request('bb', { status: 'claimed', claimedBy: { id: 'u2', name: 'Ana' } }),
      ['open', 'claimed'],
    );
    expect(items.find((i) => i.id === 'bb')?.claimedBy?.name).toBe('Ana');
  });

  it('drops a request that left the statuses shown (closed while open ones are listed)', () => {
    const items = applyCallbackEvent([request('a')], request('a', { status: 'closed' }), ['open', 'claimed']);
    expect(items).toEqual([]);
    expect(applyCallbackEvent([], request('a', { status: 'closed' }), ['open', 'claimed'])).toEqual([]);
    expect(applyCallbackEvent([], request('a', { status: 'closed' }), ['closed'])).toHaveLength(1);
  });
});

describe('what a staff member can do with a callback request', () => {
  const me = { id: 'u1', role: 'agent' as const };
  it('claims an open one, closes one they hold, and leaves someone else’s alone', () => {
    expect(callbackActions(request('a'), me)).toEqual({ claim: true, close: true });
    const mine = request('a', { status: 'claimed', claimedBy: { id: 'u1', name: 'Me' } });
    expect(callbackActions(mine, me)).toEqual({ claim: false, close: true });
    const theirs = request('a', { status: 'claimed', claimedBy: { id: 'u2', name: 'Ana' } });
    expect(callbackActions(theirs, me)).toEqual({ claim: false, close: false });
    expect(callbackActions(theirs, { id: 'u9', role: 'admin' })).toEqual({ claim: false, close: true });
    expect(callbackActions(request('a', { status: 'closed' }), me)).toEqual({ claim: false, close: false });
  });
});
