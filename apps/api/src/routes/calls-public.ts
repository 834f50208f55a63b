import { createRoute, z } from '@hono/zod-openapi';
import { AppError, isTerminal, pgText } from '@voicedesk/core';
import { sites, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { clientIp, rateLimitSubject } from '../middleware/client-ip.ts';
import {
  callIdParamSchema,
  errorResponses,
  jsonBody,
  jsonResponse,
  recordingNoticeSchema,
  siteKeySchema,
} from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { isOpen } from '../services/business-hours.ts';
import { endCallByStaff } from '../services/escalations/staff-turn.ts';
import { originAllowed } from '../services/origin.ts';
import { recordPress } from '../services/press-trace.ts';
import { anySiteAllows, callSiteOrigins, hitLimitAndFindSite } from '../services/sites.ts';
import { startCall } from '../services/start-call.ts';
import { defineRoute } from './define.ts';
import { publicRoute, visitorOrStaffSession } from './guards.ts';

const createCallBody = z
  .object({
    siteKey: siteKeySchema,
    name: pgText().trim().min(1).max(80).optional(),
    msSincePress: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .optional()
      .describe("ms from the visitor's press to this request, the first step of the call's setup trace"),
  })
  .strict()
  .openapi('CreateCallRequest');

const createdCall = z
  .object({
    callId: z.string().uuid(),
    roomName: z.string(),
    token: z
      .string()
      .describe('LiveKit token: this one room, microphone only, valid to join until expiresAt'),
    livekitUrl: z.string(),
    expiresAt: z.string().datetime(),
    visitorKey: z.string().describe('Proves ownership of the call to POST /v1/calls/{id}/end'),
    recording: recordingNoticeSchema.describe(
      'Whether this call is recorded: what the widget tells the visitor, and what happens',
    ),
  })
  .openapi('CreatedCall');

const createCallRoute = createRoute({
  method: 'post',
  path: '/v1/calls',
  tags: ['widget'],
  summary: 'Start a support call from a website visitor',
  description:
    'The body may also be sent as `text/plain` holding the same JSON, validated the same way. The widget sends it so: a CORS simple request, which a browser sends without a preflight first.',
  request: { body: jsonBody(createCallBody) },
  responses: {
    201: jsonResponse('Call created; join the room with the token', createdCall),
    ...errorResponses(400, 403, 404, 413, 415, 429, 503),
  },
});

const endCallRoute = createRoute({
  method: 'post',
  path: '/v1/calls/{id}/end',
  tags: ['widget', 'escalations'],
  summary: 'End a call for everyone: its visitor (visitor key), or the staff member who took it (session)',
  description:
    "With the visitor key the call ends `visitor_hung_up`. With a staff session it ends `staff_ended`: the staff member who holds it (its escalation was accepted by them and the phase is `human`) or an admin of its site; 409 `not_with_staff` when no staff member has it, 403 for another staff member, 404 for another site's call. Either way the room is closed.",
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('Call ended', z.object({ callId: z.string(), status: z.string() })),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const createCallEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  cors: {
    preflight: async (c, origin) =>
      (await anySiteAllows(c.get('deps').database.db, origin)) ? [origin] : undefined,
  },
  route: createCallRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const now = deps.now?.() ?? new Date();
    // Counted with the site's lookup, before anything is decided: unknown keys and foreign origins
    // count too, so the endpoint cannot be used to probe keys or load the database faster than
    // the limit. Every refusal stays readable by the widget (siteCors answers errors with `*`).
    const { limit, site } = await hitLimitAndFindSite(deps.database.db, {
      bucket: `calls:${rateLimitSubject(clientIp(c, deps.config.trustProxy))}`,
      limit: deps.config.callRateLimitPerMinute,
      now,
      siteKey: body.siteKey,
    });
    if (!limit.allowed) {
      throw new AppError(
        429,
        'rate_limited',
        'too many calls from this address, try again shortly',
        undefined,
        {
          'retry-after': String(limit.retryAfterSeconds),
        },
      );
    }
    if (!site) throw new AppError(404, 'site_not_found', 'no site has this key', 'siteKey');
    c.set('siteOrigins', site.allowedOrigins);
    if (!originAllowed(c.req.header('origin'), site.allowedOrigins)) {
      throw new AppError(
        403,
        'origin_not_allowed',
        'this website is not allowed to use this site key',
        'origin',
      );
    }
    if (!isOpen(site.businessHours, now)) {
      throw new AppError(403, 'outside_hours', 'support is closed right now', 'siteKey');
    }
    const call = await startCall(deps, site, body.name);
    if (body.msSincePress !== undefined) recordPress(deps, call.callId, now, body.msSincePress);
    return c.json(call, 201);
  },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const endCallEntry = defineRoute({
  audience: 'visitor',
  guard: visitorOrStaffSession,
  cors: {
    preflight: async (c) => {
      const id = c.req.param('id') ?? '';
      return UUID.test(id) ? callSiteOrigins(c.get('deps').database.db, id) : undefined;
    },
  },
  route: endCallRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const staff = c.get('staff');
    if (staff) return c.json(await endCallByStaff(deps, staff, id), 200);
    const [call] = await deps.database.db
      .select({ id: voiceCalls.id, status: voiceCalls.status, origins: sites.allowedOrigins })
      .from(voiceCalls)
      .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
      .where(eq(voiceCalls.id, id));
    if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
    c.set('siteOrigins', call.origins);
    // The key proves ownership of a live call only: once it has ended it opens nothing. The
    // widget ignores the answer to its hang-up, so a repeated one shows the visitor nothing.
    if (isTerminal(call.status)) {
      throw new AppError(409, 'call_not_active', `the call has already ended (${call.status})`, 'id');
    }
    const now = deps.now?.() ?? new Date();
    const outcome = await applyCallEvent(deps, {
      eventId: `api:visitor_end:${id}`,
      type: 'call_ended',
      source: 'api',
      callId: id,
      createdAt: now,
      lifecycle: { type: 'call_ended', at: now.getTime(), reason: 'visitor_hung_up' },
      payload: { reason: 'visitor_hung_up' },
    });
    // Two hang-ups racing past the check: the second is a no-op reporting the status.
    return c.json({ callId: id, status: outcome.projection?.status ?? call.status }, 200);
  },
});
