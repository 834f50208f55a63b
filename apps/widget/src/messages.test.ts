import { describe, expect, it } from 'vitest';
import { noticeText, RECORDED_NOTICE } from './messages.ts';

describe('the recording notice a visitor reads', () => {
  it("is the site's own text when the call is recorded", () => {
    expect(noticeText({ enabled: true, notice: 'Calls are recorded for training.' })).toBe(
      'Calls are recorded for training.',
    );
  });

  it('still says the call is recorded when the site wrote no text, or only blanks', () => {
    expect(noticeText({ enabled: true, notice: null })).toBe(RECORDED_NOTICE);
    expect(noticeText({ enabled: true, notice: '  ' })).toBe(RECORDED_NOTICE);
  });

  it('is nothing for a call that is not recorded, or an API that does not say', () => {
    expect(noticeText({ enabled: false, notice: null })).toBe('');
    expect(noticeText(undefined)).toBe('');
  });
});
