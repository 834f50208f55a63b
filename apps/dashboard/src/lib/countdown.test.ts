import { describe, expect, it } from 'vitest';
import { clockSkew, secondsLeft } from './countdown.ts';

const at = (iso: string) => Date.parse(iso);

describe('an offer’s countdown', () => {
  it('counts whole seconds down to expiresAt and stops at zero', () => {
    const expiresAt = '2026-11-25T10:00:30.000Z';
    expect(secondsLeft(expiresAt, at('2026-11-25T10:00:00.000Z'))).toBe(30);
    expect(secondsLeft(expiresAt, at('2026-11-25T10:00:29.100Z'))).toBe(1);
    expect(secondsLeft(expiresAt, at('2026-11-25T10:00:30.000Z'))).toBe(0);
    expect(secondsLeft(expiresAt, at('2026-11-25T10:01:00.000Z'))).toBe(0);
  });

  it('reads a malformed expiry as over, so a card never rings for ever', () => {
    expect(secondsLeft('soon', at('2026-11-25T10:00:00.000Z'))).toBe(0);
  });

  it('follows the server’s clock when this computer’s is off by more than a moment', () => {
    const local = at('2026-11-25T10:00:40.000Z');
    // The server says 10:00:00 while this machine says 10:00:40: a 30 s offer is not over here.
    const skew = clockSkew('Wed, 25 Nov 2026 10:00:00 GMT', local);
    expect(secondsLeft('2026-11-25T10:00:30.000Z', local + skew)).toBe(30);
    // Within the Date header's one-second grain, the local clock is trusted as it is.
    expect(clockSkew('Wed, 25 Nov 2026 10:00:40 GMT', local + 700)).toBe(0);
    expect(clockSkew(null, local)).toBe(0);
    expect(clockSkew('not a date', local)).toBe(0);
  });
});
