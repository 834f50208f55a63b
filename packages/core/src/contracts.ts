import { z } from 'zod';
import { END_REASONS } from './end-reasons.ts';

/**
 * Wire contracts between the agent worker and the API's /internal routes. Both sides
 * import these, so a change breaks the type check instead of a call in production.
 */

/**
 * Postgres cannot store U+0000 in text or in a jsonb string, and refuses it with an error
 * that would otherwise surface as a 500; every string bound for the database goes through this.
 */
export const pgText = () =>
  z.string().refine((s) => !s.includes('\u0000'), { message: 'must not contain a NUL character (\\u0000)' });

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * jsonb parses the JSON text and refuses a lone surrogate escape (\ud800), which a text column
 * would quietly store as U+FFFD; so this is for strings bound for jsonb only.
 */
export const jsonbText = () =>
  pgText().refine((s) => !LONE_SURROGATE.test(s), {
    message: 'must be well-formed Unicode (no lone surrogate)',
  });

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

/** An integer column (Postgres int4): JSON numbers past it would fail the insert, not the request. */
export const int4 = () => z.number().int().min(INT4_MIN).max(INT4_MAX);

/** Postgres has no year 0: an ISO time before 0001-01-01 UTC parses in JavaScript but not in the database. */
const PG_EARLIEST = Date.parse('0001-01-01T00:00:00Z');

export const pgTimestamp = (opts: { offset?: boolean } = {}) =>
  z.iso
    .datetime(opts)
    .refine((v) => Date.parse(v) >= PG_EARLIEST, { message: 'must be on or after 0001-01-01T00:00:00Z' });

/** Sent by the API as the agent dispatch metadata. Holds ids only: no instructions, no secrets. */
export const dispatchMetadataSchema = z.object({ callId: z.string().uuid() });
export type DispatchMetadata = z.infer<typeof dispatchMetadataSchema>;

export const assistantConfigSchema = z.object({
  callId: z.string(),
  siteId: z.string(),
  instructions: z.string(),
  greeting: z.string(),
  voice: z.string(),
  language: z.string(),
  model: z.string().nullable(),
  maxCallSeconds: z.number().int().positive(),
  /** Silence from both sides this long: check in once, then end the call as `idle`. */
  idleSeconds: z.number().int().positive(),
  callerName: z.string().nullable(),
  /**
   * This job numbers its segments from here. Every job that takes the call gets its own block,
   * so a second assistant (after a LiveKit node died and the room moved) never reuses a number.
   */
  seqBase: z.number().int().nonnegative(),
  /** Another assistant already served this call: do not greet again, carry on from `history`. */
  resumed: z.boolean(),
  /** The call's last utterances, for a resumed assistant (the visitor's own call only). */
  history: z.array(z.object({ speaker: z.enum(['visitor', 'assistant']), text: z.string() })).max(40),
});
export type AssistantConfig = z.infer<typeof assistantConfigSchema>;

/** Segment numbers each assistant job may use: job n (from 1) numbers from (n - 1) × this. */
export const SEQ_BLOCK = 1_000_000;

export const speakerSchema = pgText().regex(
  /^(visitor|ai|staff:[A-Za-z0-9_-]{1,64})$/,
  'speaker must be visitor, ai or staff:<id>',
);

export const segmentSchema = z.object({
  seq: int4().nonnegative(),
  speaker: speakerSchema,
  text: pgText().min(1).max(20_000),
  startedAt: pgTimestamp(),
  endedAt: pgTimestamp(),
  language: pgText().max(16).optional(),
  source: z.enum(['realtime', 'stt']),
});
export type Segment = z.infer<typeof segmentSchema>;

export const segmentBatchSchema = z.object({ segments: z.array(segmentSchema).min(1).max(500) });
export type SegmentBatch = z.infer<typeof segmentBatchSchema>;

export const metricSchema = z.object({
  turn: int4().nonnegative(),
  kind: pgText().min(1).max(64),
  values: z.record(jsonbText(), z.union([z.number(), jsonbText(), z.boolean(), z.null()])),
});
export type Metric = z.infer<typeof metricSchema>;

export const metricBatchSchema = z
  .object({ metrics: z.array(metricSchema).min(1).max(500) })
  .superRefine(({ metrics }, ctx) => {
    // The upsert cannot touch one row twice in a statement, so a repeat would fail the whole batch.
    const seen = new Set<string>();
    metrics.forEach((m, i) => {
      const key = JSON.stringify([m.turn, m.kind]);
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i, 'kind'],
          message: `turn ${m.turn} already has a ${m.kind} metric in this batch`,
        });
      }
      seen.add(key);
    });
  });
export type MetricBatch = z.infer<typeof metricBatchSchema>;

/** The agent reports the ends it causes or sees; a staff end comes from the staff member's route. */
export const agentEndCallSchema = z.object({ reason: z.enum(END_REASONS).exclude(['staff_ended']) });
export type AgentEndCall = z.infer<typeof agentEndCallSchema>;

/** Room name the API mints for a call; the agent and tests derive nothing else from it. */
export function roomNameForCall(callId: string): string {
  return `call-${callId}`;
}
