import type { TranscriptLine } from '../api/call-detail.ts';
import { formatOffset } from './format.ts';
import { speakerLabel } from './labels.ts';

/** Saves `body` as a file named `name` (a click on a temporary link to an object URL). */
export function saveFile(name: string, body: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The transcript as plain text: one line per utterance, where it is heard and who said it. */
export function transcriptText(callId: string, lines: readonly TranscriptLine[]): string {
  const body = lines.map((l) => {
    const at = l.offsetMs === null ? new Date(l.startedAt).toISOString() : formatOffset(l.offsetMs);
    return `[${at}] ${speakerLabel(l.speaker)}: ${l.text}`;
  });
  return [`Call ${callId}`, '', ...body, ''].join('\n');
}
