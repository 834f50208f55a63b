/** Whole seconds left until `expiresAt` (server time), never below zero; malformed reads as over. */
export function secondsLeft(expiresAt: string, serverNow: number): number {
  const end = Date.parse(expiresAt);
  if (!Number.isFinite(end)) return 0;
  return Math.max(0, Math.ceil((end - serverNow) / 1000));
}

/**
 * How far the server's clock is ahead of this computer's (ms), from an answer's `Date` header.
 * Offers expire on the server's clock; a laptop a minute off would otherwise hide a fresh offer
 * at once or show a dead one. The header has a one-second grain, so a gap under two seconds is
 * noise and the local clock is kept.
 */
export function clockSkew(dateHeader: string | null, localNow: number): number {
  if (!dateHeader) return 0;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return 0;
  // The header is truncated to the second: the server's moment lies within the next one.
  const skew = server + 500 - localNow;
  return Math.abs(skew) < 2000 ? 0 : skew;
}
