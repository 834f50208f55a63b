import { describe, expect, it } from 'vitest';
import { MATCH_END, MATCH_START, splitHeadline, trimSnippet } from './search-snippet.ts';

const mark = (w: string) => `${MATCH_START}${w}${MATCH_END}`;

describe('search snippets: a matched line as plain-text parts', () => {
  it('splits a marked headline into runs, matches flagged', () => {
    expect(splitHeadline(`I want a ${mark('refund')} for ${mark('order')} 42`)).toEqual([
      { text: 'I want a ', match: false },
      { text: 'refund', match: true },
      { text: ' for ', match: false },
      { text: 'order', match: true },
      { text: ' 42', match: false },
    ]);
  });

  it('keeps a short line whole', () => {
    const parts = splitHeadline(`short ${mark('line')}`);
    expect(trimSnippet(parts)).toEqual(parts);
  });

  it('cuts a long line around its first match, between words, with ellipses', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`);
    words[50] = mark('refund');
    const out = trimSnippet(splitHeadline(words.join(' ')), 100);
    const text = out.map((p) => p.text).join('');
    expect(text.startsWith('… word')).toBe(true);
    expect(text.endsWith(' …')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(104);
    expect(out.filter((p) => p.match)).toEqual([{ text: 'refund', match: true }]);
    expect(text).not.toMatch(/ wor …|… rd/);
  });
});
