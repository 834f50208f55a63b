import { z } from 'zod';
import { END_REASONS } from './end-reasons.ts';

/**
 * Wire contracts between the agent worker and the API's /internal routes. Both sides
 * import these, so a change breaks the type check instead of a call in production.
 */

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
});
export type AssistantConfig = z.infer<typeof assistantConfigSchema>;

export const speakerSchema = z
  .string()
  .regex(/^(visitor|ai|staff:[A-Za-z0-9_-]{1,64})$/, 'speaker must be visitor, ai or staff:<id>');

export const segmentSchema = z.object({
  seq: z.number().int().nonnegative(),
  speaker: speakerSchema,
  text: z.string().min(1).max(20_000),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  language: z.string().max(16).optional(),
  source: z.enum(['realtime', 'stt']),
});
export type Segment = z.infer<typeof segmentSchema>;

export const segmentBatchSchema = z.object({ segments: z.array(segmentSchema).min(1).max(500) });
export type SegmentBatch = z.infer<typeof segmentBatchSchema>;

export const metricSchema = z.object({
  turn: z.number().int().nonnegative(),
  kind: z.string().min(1).max(64),
  values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type Metric = z.infer<typeof metricSchema>;

export const metricBatchSchema = z.object({ metrics: z.array(metricSchema).min(1).max(500) });
export type MetricBatch = z.infer<typeof metricBatchSchema>;

export const agentEndCallSchema = z.object({ reason: z.enum(END_REASONS) });
export type AgentEndCall = z.infer<typeof agentEndCallSchema>;

/** Room name the API mints for a call; the agent and tests derive nothing else from it. */
export function roomNameForCall(callId: string): string {
  return `call-${callId}`;
}
