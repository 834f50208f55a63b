import type { BusinessHours } from '@voicedesk/db';

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Null hours mean always open. Times are "HH:MM" in the site's own time zone. */
export function isOpen(hours: BusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const weekday = parts
    .find((p) => p.type === 'weekday')
    ?.value.toLowerCase()
    .slice(0, 3);
  const hh = parts.find((p) => p.type === 'hour')?.value ?? '00';
  const mm = parts.find((p) => p.type === 'minute')?.value ?? '00';
  const now = `${hh}:${mm}`;
  const day = DAY_KEYS.find((d) => d === weekday);
  if (!day) return false;
  return (hours.days[day] ?? []).some((span) => span.open <= now && now < span.close);
}
