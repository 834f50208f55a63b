import type { components } from './openapi-types.ts';

/**
 * The wire shape of GET /v1/calls/:id (apps/api/src/services/calls-query.ts `callDetail`), which
 * the OpenAPI document leaves open (`CallDetail` is a record). Kept to what the dashboard reads;
 * once the route documents its schema, this becomes `components['schemas']['CallDetail']`.
 */
export type CallDetail = components['schemas']['CallSummary'] & {
  participants: Participant[];
  segments: TranscriptLine[];
  events: CallEvent[];
  metrics: TurnMetric[];
  recording: RecordingInfo | null;
};
export interface Participant {
  identity: string;
  kind: 'visitor' | 'ai' | 'staff' | 'recorder';
  name: string | null;
  joinedAt: string;
  leftAt: string | null;
  durationSeconds: number | null;
}
export interface TranscriptLine {
  seq: number;
  speaker: string;
  text: string;
  startedAt: string;
  endedAt: string;
  language: string | null;
  source: string;
  /** Where the line is heard in the recording; null without one. */
  offsetMs: number | null;
}
export interface CallEvent {
  eventId: string;
  type: string;
  source: string;
  createdAt: string;
  receivedAt: string;
  payload: unknown;
}
export interface TurnMetric {
  turn: number;
  kind: string;
  values: Record<string, number | string | boolean | null>;
}
export interface RecordingInfo {
  mode: string;
  status: 'active' | 'complete' | 'partial' | 'failed';
  contentType: string;
  codec: string;
  bytes: number | null;
  durationMs: number | null;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}
