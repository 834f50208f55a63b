import { describe, expect, it } from 'vitest';
import { limitOutcome } from './rate-limiter.ts';

const at = (iso: string) => new Date(`2026-11-25T${iso}Z`);

describe('the sliding one-minute limit', () => {
  it('refuses a burst that straddles the turn of a minute', () => {
    // Five hits at 10:00:59, then the sixth at 10:01:00.5: six in two seconds against a limit of five.
    expect(limitOutcome({ current: 1, previous: 5 }, 5, at('10:01:00.500'))).toMatchObject({
      allowed: false,
    });
  });

  it("lets the previous minute's hits fade as the minute goes on", () => {
    // Half way through: five hits a minute ago weigh 2.5, so two more are allowed and a third is not.
    expect(limitOutcome({ current: 2, previous: 5 }, 5, at('10:01:30'))).toEqual({ allowed: true });
    expect(limitOutcome({ current: 3, previous: 5 }, 5, at('10:01:30'))).toMatchObject({ allowed: false });
  });

  it('never refuses a caller who keeps under the limit, minute after minute', () => {
    // One hit every 15 s is four a minute against a limit of five.
    for (let second = 60; second < 600; second += 15) {
      const now = new Date(at('10:00:00').getTime() + second * 1000);
      const inWindow = Math.floor((second % 60) / 15) + 1;
      expect(limitOutcome({ current: inWindow, previous: 4 }, 5, now), `at ${second} s`).toEqual({
        allowed: true,
      });
    }
  });

  it('tells a refused caller to wait until one more hit fits', () => {
    // Later this minute, as the previous minute's weight falls: 2 + 1 + 4 × (1 − f) ≤ 4 at f = 3/4.
    expect(limitOutcome({ current: 2, previous: 4 }, 4, at('10:01:10'))).toEqual({
      allowed: false,
      retryAfterSeconds: 35,
    });
    // Next minute, when this minute's six weigh no more than four: 1 + 6 × (1 − f) ≤ 5 at f = 1/3.
    expect(limitOutcome({ current: 6, previous: 0 }, 5, at('10:01:40'))).toEqual({
      allowed: false,
      retryAfterSeconds: 40,
    });
  });

  it('counts longer windows the same way (sign-in limits)', () => {
    // 900 s windows: ten failures at the start of the last one still weigh 9.99 a second in.
    expect(limitOutcome({ current: 1, previous: 10 }, 10, at('10:15:01'), 900)).toMatchObject({
      allowed: false,
    });
  });
});
