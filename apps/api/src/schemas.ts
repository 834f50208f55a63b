import { z } from '@hono/zod-openapi';
import { CALL_STATUSES, ERROR_CODES } from '@voicedesk/core';

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      field: z.string().optional(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'Error', content: { 'application/json': { schema: errorEnvelopeSchema } } },
    ]),
  );

export const siteKeySchema = z
  .string()
  .regex(/^pk_[A-Za-z0-9_]{8,64}$/, 'must look like pk_ followed by 8 to 64 letters, digits or _')
  .openapi({ example: 'pk_demo_0123456789' });

export const callIdParamSchema = z.object({
  id: z
    .string()
    .uuid('must be a call id (uuid)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const callStatusSchema = z.enum(CALL_STATUSES);

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A call's row as every call listing shows it (the calls list, the live view). */
export const callRowFields = {
  id: z.string(),
  siteId: z.string(),
  roomName: z.string(),
  callerName: z.string().nullable(),
  status: z.enum(CALL_STATUSES),
  phase: z.string(),
  startedAt: z.string().nullable(),
  connectedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  endReason: z.string().nullable(),
  createdAt: z.string(),
};

export const recordingNoticeSchema = z
  .object({
    enabled: z.boolean(),
    notice: z
      .string()
      .nullable()
      .describe("The site's own text; null when it has none (the widget then says the call is recorded)"),
  })
  .openapi('RecordingNotice');
