import { Fragment } from 'react';
import type { SnippetPart } from '../api/types.ts';

/**
 * A search hit's transcript line with the matched words marked. The parts are plain text from
 * the API and are rendered as text nodes: a transcript holding markup shows it, never runs it.
 */
export function Snippet({ parts }: { parts: readonly SnippetPart[] }) {
  return (
    <span className="snippet">
      {parts.map((part, i) =>
        part.match ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts are a fixed sequence with no identity of their own
          <mark key={i}>{part.text}</mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: as above
          <Fragment key={i}>{part.text}</Fragment>
        ),
      )}
    </span>
  );
}
