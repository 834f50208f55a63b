import type { Site, SiteChange } from '../api/types.ts';
import { buildHours, DAYS, type Day, formatSpans } from './business-hours.ts';

export const DAY_LABELS: Record<Day, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** The site settings form as typed: text fields stay text until saved, so a half-typed number is kept. */
export interface SiteForm {
  name: string;
  greeting: string;
  instructions: string;
  voice: string;
  allowedOrigins: string;
  maxCallSeconds: string;
  idleTimeoutSeconds: string;
  /** Empty: the site has no offer time of its own and the API's default applies. */
  offerSeconds: string;
  recordingEnabled: boolean;
  recordingNotice: string;
  retentionDays: string;
  timeZone: string;
  days: Record<Day, string>;
}

/** Empty text is null (the setting's default); anything else goes to the API, which names a bad field. */
const numberOrNull = (text: string): number | null => (text.trim() ? Number(text) : null);

export function toForm(site: Site | undefined): SiteForm {
  const days = Object.fromEntries(DAYS.map((d) => [d, formatSpans(site?.businessHours?.days[d])])) as Record<
    Day,
    string
  >;
  return {
    name: site?.name ?? '',
    greeting: site?.greeting ?? 'Hi, thanks for calling. How can I help you today?',
    instructions: site?.instructions ?? '',
    voice: site?.voice ?? 'alloy',
    allowedOrigins: site?.allowedOrigins.join('\n') ?? '',
    maxCallSeconds: String(site?.maxCallSeconds ?? 900),
    idleTimeoutSeconds: String(site?.idleTimeoutSeconds ?? 30),
    offerSeconds: site?.offerSeconds == null ? '' : String(site.offerSeconds),
    recordingEnabled: site?.recordingEnabled ?? true,
    recordingNotice: site?.recordingNotice ?? '',
    retentionDays: site?.retentionDays == null ? '' : String(site.retentionDays),
    timeZone: site?.businessHours?.timeZone ?? '',
    days,
  };
}

export function toChange(form: SiteForm, creating: boolean): SiteChange | { error: string } {
  const hours = buildHours(form.timeZone, form.days);
  if ('error' in hours) return { error: `${DAY_LABELS[hours.day]}: ${hours.error}` };
  const instructions = form.instructions.trim();
  return {
    name: form.name.trim(),
    greeting: form.greeting,
    // A new site left without instructions gets the API's default ones; a saved site keeps some.
    ...(creating && !instructions ? {} : { instructions }),
    voice: form.voice.trim(),
    allowedOrigins: form.allowedOrigins
      .split(/[\s,]+/)
      .map((o) => o.trim())
      .filter(Boolean),
    maxCallSeconds: Number(form.maxCallSeconds),
    idleTimeoutSeconds: Number(form.idleTimeoutSeconds),
    offerSeconds: numberOrNull(form.offerSeconds),
    recordingEnabled: form.recordingEnabled,
    recordingNotice: form.recordingNotice.trim() || null,
    retentionDays: numberOrNull(form.retentionDays),
    businessHours: hours.hours,
  };
}
