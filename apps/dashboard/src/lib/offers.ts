import type { Offer } from '../api/types.ts';

/** An offer as held here: when it was heard of (local ms), so a reloaded list can keep newer ones. */
interface HeldOffer extends Offer {
  heardAt: number;
}

export interface OffersState {
  /** Ringing for this staff member now, oldest first. */
  offers: HeldOffer[];
  /**
   * Offers that stopped ringing here (closed for everyone, or declined or taken by this user):
   * a list fetched before they closed, or an event replayed late, must not bring them back.
   */
  gone: string[];
}

export type OffersAction =
  | { type: 'offer'; offer: Offer; at: number }
  | { type: 'closed'; escalationId: string }
  | { type: 'dismissed'; escalationId: string }
  /** GET /v1/escalations answered; it was asked for at `requestedAt` (local ms). */
  | { type: 'loaded'; offers: Offer[]; requestedAt: number }
  /** The clock moved on (server time, ms): offers past their expiry stop ringing. */
  | { type: 'tick'; serverNow: number };

export const initialOffers: OffersState = { offers: [], gone: [] };

/** Enough to cover every offer a busy team could see ringing at once; older ids are let go. */
const GONE_KEPT = 200;

const byRequested = (a: Offer, b: Offer) => a.requestedAt.localeCompare(b.requestedAt);

function forget(state: OffersState, id: string): OffersState {
  return {
    offers: state.offers.filter((o) => o.id !== id),
    gone: state.gone.includes(id) ? state.gone : [...state.gone, id].slice(-GONE_KEPT),
  };
}

export function offersReducer(state: OffersState, action: OffersAction): OffersState {
  switch (action.type) {
    case 'offer': {
      const { offer } = action;
      if (state.gone.includes(offer.id) || state.offers.some((o) => o.id === offer.id)) return state;
      return { ...state, offers: [...state.offers, { ...offer, heardAt: action.at }].sort(byRequested) };
    }
    case 'closed':
    case 'dismissed':
      return forget(state, action.escalationId);
    case 'loaded': {
      // The list is the truth as of when it was asked for; offers heard since then stay.
      const listed = action.offers
        .filter((o) => !state.gone.includes(o.id))
        .map((o) => ({ ...o, heardAt: action.requestedAt }));
      const newer = state.offers.filter(
        (o) => o.heardAt >= action.requestedAt && !listed.some((l) => l.id === o.id),
      );
      return { ...state, offers: [...listed, ...newer].sort(byRequested) };
    }
    case 'tick': {
      const live = state.offers.filter((o) => !(Date.parse(o.expiresAt) <= action.serverNow));
      return live.length === state.offers.length ? state : { ...state, offers: live };
    }
  }
}
