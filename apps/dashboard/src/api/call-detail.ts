import type { components } from './openapi-types.ts';

/** GET /v1/calls/:id and its parts, as the API's document describes them. */
export type CallDetail = components['schemas']['CallDetail'];
export type Participant = CallDetail['participants'][number];
/** A transcript line; `offsetMs` is where it is heard in the recording (null without one). */
export type TranscriptLine = CallDetail['segments'][number];
export type CallEvent = CallDetail['events'][number];
export type TurnMetric = CallDetail['metrics'][number];
export type RecordingInfo = NonNullable<CallDetail['recording']>;
