/** The calls page's filters, kept in the address so a filtered list can be bookmarked and shared. */
export interface CallFilters {
  q: string;
  status: string;
  siteId: string;
  endReason: string;
  /** Calendar days, yyyy-mm-dd, in the viewer's time zone. */
  from: string;
  to: string;
  /** Seconds. */
  minDuration: string;
  maxDuration: string;
}
export const FILTER_KEYS = [
  'q',
  'status',
  'siteId',
  'endReason',
  'from',
  'to',
  'minDuration',
  'maxDuration',
] as const satisfies readonly (keyof CallFilters)[];

export function filtersFromParams(params: URLSearchParams): CallFilters {
  const get = (k: keyof CallFilters) => params.get(k) ?? '';
  return {
    q: get('q'),
    status: get('status'),
    siteId: get('siteId'),
    endReason: get('endReason'),
    from: get('from'),
    to: get('to'),
    minDuration: get('minDuration'),
    maxDuration: get('maxDuration'),
  };
}

/** The start of a calendar day, or with `endOfDay` the last millisecond of it, as an instant. */
export function dayBoundary(day: string, endOfDay = false): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (endOfDay) d.setHours(23, 59, 59, 999);
  return d.toISOString();
}

const seconds = (v: string): number | undefined => {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;
};

/** The query of GET /v1/calls for these filters; empty filters are left out. */
export function listQuery(f: CallFilters, cursor: string | undefined) {
  return {
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.siteId ? { siteId: f.siteId } : {}),
    ...(f.endReason ? { endReason: f.endReason } : {}),
    ...(dayBoundary(f.from) ? { from: dayBoundary(f.from) } : {}),
    ...(dayBoundary(f.to, true) ? { to: dayBoundary(f.to, true) } : {}),
    ...(seconds(f.minDuration) !== undefined ? { minDuration: seconds(f.minDuration) } : {}),
    ...(seconds(f.maxDuration) !== undefined ? { maxDuration: seconds(f.maxDuration) } : {}),
    ...(cursor ? { cursor } : {}),
    limit: 25,
  };
}

const DAY = 86_400_000;

/**
 * The stats' window: the filter's days, or the last 30 days. Hourly bars for two days or less,
 * daily bars beyond.
 */
export function statsQuery(f: CallFilters, now = new Date()) {
  const to = dayBoundary(f.to, true) ?? now.toISOString();
  const from = dayBoundary(f.from) ?? new Date(Date.parse(to) - 30 * DAY).toISOString();
  const bucket: 'hour' | 'day' = Date.parse(to) - Date.parse(from) <= 2 * DAY ? 'hour' : 'day';
  return { from, to, bucket, ...(f.siteId ? { siteId: f.siteId } : {}) };
}
