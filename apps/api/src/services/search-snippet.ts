/** One run of a transcript line: `match` marks the words the search found. Plain text, never HTML. */
export interface SnippetPart {
  text: string;
  match: boolean;
}

/**
 * ts_headline marks matches with these, chosen from Unicode's private use area: no transcript
 * holds them (they are stripped from the text before highlighting), so no word the caller said
 * can forge a mark, and the client never receives markup to render.
 */
export const MATCH_START = '\uE000';
export const MATCH_END = '\uE001';

/**
 * The whole line, every match marked: ts_headline's fragment mode drops the line's first and last
 * words even when it is short, so a long line is cut here instead (trimSnippet).
 */
export const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, HighlightAll=true`;

/** Longer lines are cut to about this many characters around their first match. */
export const SNIPPET_MAX_CHARS = 200;

/** Splits a marked headline into parts; adjacent marked words separated by a space stay two parts. */
export function splitHeadline(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  let text = '';
  const flush = () => {
    if (text) parts.push({ text, match });
    text = '';
  };
  for (const ch of marked) {
    if (ch === MATCH_START || ch === MATCH_END) {
      flush();
      match = ch === MATCH_START;
    } else {
      text += ch;
    }
  }
  flush();
  return parts;
}

/**
 * A long line cut to a window around its first match, with an ellipsis where words were left
 * out, so a list row stays one or two lines. Cuts fall between words.
 */
export function trimSnippet(parts: SnippetPart[], maxChars = SNIPPET_MAX_CHARS): SnippetPart[] {
  const total = parts.reduce((n, p) => n + p.text.length, 0);
  if (total <= maxChars) return parts;
  const first = Math.max(
    0,
    parts.findIndex((p) => p.match),
  );
  const before = parts.slice(0, first).reduce((n, p) => n + p.text.length, 0);
  // About a third of the room before the match, the rest after it.
  let start = Math.max(0, before - Math.floor(maxChars / 3));
  let end = Math.min(total, start + maxChars);
  start = Math.max(0, end - maxChars);
  const full = parts.map((p) => p.text).join('');
  if (start > 0) start = wordStartAfter(full, start);
  if (end < total) end = wordEndBefore(full, end);
  const out: SnippetPart[] = [];
  let offset = 0;
  for (const part of parts) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + part.text.length);
    if (from < to) out.push({ text: part.text.slice(from - offset, to - offset), match: part.match });
    offset += part.text.length;
  }
  if (start > 0) out.unshift({ text: '… ', match: false });
  if (end < total) out.push({ text: ' …', match: false });
  return out;
}

function wordStartAfter(text: string, at: number): number {
  const space = text.indexOf(' ', at);
  return space === -1 ? at : space + 1;
}

function wordEndBefore(text: string, at: number): number {
  const space = text.lastIndexOf(' ', at);
  return space <= 0 ? at : space;
}
