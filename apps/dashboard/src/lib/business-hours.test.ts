import { describe, expect, it } from 'vitest';
import { buildHours, formatSpans, parseSpans } from './business-hours.ts';

const week = (text: string) => ({ mon: text, tue: text, wed: text, thu: text, fri: text, sat: '', sun: '' });

describe('opening hours as staff type them', () => {
  it('reads spans like "09:00-12:00, 13:00-17:00" and writes them back the same way', () => {
    const spans = parseSpans('09:00-12:00, 13:00 - 17:30');
    expect(spans).toEqual([
      { open: '09:00', close: '12:00' },
      { open: '13:00', close: '17:30' },
    ]);
    expect(formatSpans(spans as { open: string; close: string }[])).toBe('09:00-12:00, 13:00-17:30');
  });

  it('names the piece and the day that cannot be read', () => {
    expect(parseSpans('9-5')).toEqual({ error: '“9-5” is not a span like 09:00-17:00' });
    expect(parseSpans('17:00-09:00')).toHaveProperty('error');
    expect(buildHours('Europe/Paris', { ...week('09:00-17:00'), wed: 'noon' })).toMatchObject({ day: 'wed' });
  });

  it('is always open without a time zone, and closed on days left empty', () => {
    expect(buildHours('', week('09:00-17:00'))).toEqual({ hours: null });
    const built = buildHours('Europe/Paris', week('09:00-17:00'));
    expect(built).toMatchObject({
      hours: { timeZone: 'Europe/Paris', days: { sat: [], mon: [{ open: '09:00' }] } },
    });
  });
});
