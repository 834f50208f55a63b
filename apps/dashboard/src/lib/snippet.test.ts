import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Snippet } from './snippet.tsx';

const render = (parts: { text: string; match: boolean }[]) =>
  renderToStaticMarkup(createElement(Snippet, { parts }));

describe('a search hit’s snippet', () => {
  it('marks exactly the matched words and keeps the rest as plain text, in order', () => {
    const html = render([
      { text: 'I cannot ', match: false },
      { text: 'log', match: true },
      { text: ' in to my ', match: false },
      { text: 'account', match: true },
    ]);
    expect(html).toBe('<span class="snippet">I cannot <mark>log</mark> in to my <mark>account</mark></span>');
  });

  it('shows markup a caller said as text, never as elements', () => {
    const html = render([
      { text: '<img src=x onerror=alert(1)>', match: false },
      { text: '<b>refund</b>', match: true },
    ]);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<mark>&lt;b&gt;refund&lt;/b&gt;</mark>');
  });

  it('renders an empty snippet as nothing marked', () => {
    expect(render([])).toBe('<span class="snippet"></span>');
  });
});
