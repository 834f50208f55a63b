import { describe, expect, it } from 'vitest';
import { formatMinutes } from './format.ts';

describe('formatMinutes', () => {
  it('shows a few short calls as the tenths of a minute they took, not as none', () => {
    expect(formatMinutes(0.2, 'en-US')).toBe('0.2');
    expect(formatMinutes(9.95, 'en-US')).toBe('10');
    expect(formatMinutes(0, 'en-US')).toBe('0');
  });

  it('shows whole minutes from ten on, grouped', () => {
    expect(formatMinutes(12.4, 'en-US')).toBe('12');
    expect(formatMinutes(1234.6, 'en-US')).toBe('1,235');
  });
});
