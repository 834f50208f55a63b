import { describe, expect, it } from 'vitest';
import type { Offer } from '../api/types.ts';
import { initialOffers, type OffersState, offersReducer } from './offers.ts';

const offer = (id: string, expiresAt = '2026-11-25T10:00:30.000Z'): Offer => ({
  id,
  callId: `call-${id}`,
  siteId: 's1',
  reason: 'The visitor wants to change a booking',
  summary: 'Visitor: I need to move my booking.',
  status: 'ringing',
  requestedAt: '2026-11-25T10:00:00.000Z',
  expiresAt,
});
const ids = (s: OffersState) => s.offers.map((o) => o.id);

describe('the offers ringing for this staff member', () => {
  it('adds an offer once, oldest first, and drops it when it is closed', () => {
    let s = offersReducer(initialOffers, { type: 'offer', offer: offer('a'), at: 1 });
    s = offersReducer(s, { type: 'offer', offer: offer('b'), at: 2 });
    s = offersReducer(s, { type: 'offer', offer: offer('a'), at: 3 });
    expect(ids(s)).toEqual(['a', 'b']);
    s = offersReducer(s, { type: 'closed', escalationId: 'a' });
    expect(ids(s)).toEqual(['b']);
  });

  it('does not bring back a closed or declined offer that a late event or list still carries', () => {
    let s = offersReducer(initialOffers, { type: 'closed', escalationId: 'a' });
    s = offersReducer(s, { type: 'dismissed', escalationId: 'b' });
    s = offersReducer(s, { type: 'offer', offer: offer('a'), at: 5 });
    s = offersReducer(s, { type: 'loaded', offers: [offer('a'), offer('b'), offer('c')], requestedAt: 4 });
    expect(ids(s)).toEqual(['c']);
  });

  it('a reloaded list replaces what was held, keeping offers that arrived while it loaded', () => {
    let s = offersReducer(initialOffers, { type: 'offer', offer: offer('old'), at: 1 });
    s = offersReducer(s, { type: 'offer', offer: offer('new'), at: 10 });
    // The list was asked for at 5: 'old' is not in it, so it stopped ringing while we were away.
    s = offersReducer(s, { type: 'loaded', offers: [offer('x')], requestedAt: 5 });
    expect(ids(s).sort()).toEqual(['new', 'x']);
  });

  it('drops offers whose countdown reached zero', () => {
    let s = offersReducer(initialOffers, {
      type: 'loaded',
      offers: [offer('a', '2026-11-25T10:00:10.000Z'), offer('b', '2026-11-25T10:00:30.000Z')],
      requestedAt: 0,
    });
    s = offersReducer(s, { type: 'tick', serverNow: Date.parse('2026-11-25T10:00:10.000Z') });
    expect(ids(s)).toEqual(['b']);
    const same = offersReducer(s, { type: 'tick', serverNow: Date.parse('2026-11-25T10:00:11.000Z') });
    expect(same).toBe(s);
  });
});
