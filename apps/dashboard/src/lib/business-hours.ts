import type { BusinessHours } from '../api/types.ts';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/** A day's spans as staff type them: "09:00-12:00, 13:00-17:00"; empty: closed. */
export function formatSpans(spans: readonly { open: string; close: string }[] | undefined): string {
  return (spans ?? []).map((s) => `${s.open}-${s.close}`).join(', ');
}

const SPAN = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$/;

/** The spans typed for a day, or the first piece that is not "HH:MM-HH:MM" with open before close. */
export function parseSpans(text: string): { open: string; close: string }[] | { error: string } {
  const spans: { open: string; close: string }[] = [];
  for (const piece of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = SPAN.exec(piece);
    const open = m ? `${m[1]}:${m[2]}` : '';
    const close = m ? `${m[3]}:${m[4]}` : '';
    if (!m || open >= close) return { error: `“${piece}” is not a span like 09:00-17:00` };
    spans.push({ open, close });
  }
  return spans;
}

/** The hours form's text back to the API's shape; null when no time zone is given (always open). */
export function buildHours(
  timeZone: string,
  days: Record<Day, string>,
): { hours: BusinessHours | null } | { error: string; day: Day } {
  if (!timeZone.trim()) return { hours: null };
  const out: BusinessHours = { timeZone: timeZone.trim(), days: {} };
  for (const day of DAYS) {
    const spans = parseSpans(days[day]);
    if ('error' in spans) return { error: spans.error, day };
    out.days[day] = spans;
  }
  return { hours: out };
}
