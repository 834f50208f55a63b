import { describe, expect, it } from 'vitest';
import { filtersFromParams, listQuery, statsQuery } from './call-filters.ts';

describe('the calls page’s filters as API queries', () => {
  it('sends only the filters that are set, days as whole local days, durations in seconds', () => {
    const f = filtersFromParams(
      new URLSearchParams(
        'q=+refund+&status=missed&from=2026-11-01&to=2026-11-02&minDuration=30&maxDuration=x',
      ),
    );
    const q = listQuery(f, undefined);
    expect(q).toMatchObject({ q: 'refund', status: 'missed', minDuration: 30, limit: 25 });
    expect(q).not.toHaveProperty('maxDuration');
    expect(q).not.toHaveProperty('siteId');
    expect(new Date(q.from as string).getDate()).toBe(1);
    expect(new Date(q.to as string).getHours()).toBe(23);
    expect(Date.parse(q.to as string) - Date.parse(q.from as string)).toBeGreaterThan(47 * 3_600_000);
  });

  it('shows the last 30 days by day without dates, by hour for a window of two days or less', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const month = statsQuery(filtersFromParams(new URLSearchParams()), now);
    expect(month.bucket).toBe('day');
    expect(Date.parse(month.to) - Date.parse(month.from)).toBe(30 * 86_400_000);
    const twoDays = statsQuery(filtersFromParams(new URLSearchParams('from=2026-11-24&to=2026-11-25')), now);
    expect(twoDays.bucket).toBe('hour');
  });
});
