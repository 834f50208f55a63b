import { createRoute, z } from '@hono/zod-openapi';
import { AppError, pgText } from '@voicedesk/core';
import { voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { bearerToken } from '../middleware/bearer.ts';
import { clientIp } from '../middleware/client-ip.ts';
import { createRouter } from '../router.ts';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse, siteKeySchema } from '../schemas.ts';
import { applyCallEvent } from '../services/apply-call-event.ts';
import { isOpen } from '../services/business-hours.ts';
import { originAllowed } from '../services/origin.ts';
import { hitRateLimit } from '../services/rate-limiter.ts';
import { findSiteByKey } from '../services/sites.ts';
import { startCall } from '../services/start-call.ts';
import { verifyVisitorKey } from '../services/visitor-key.ts';

const createCallBody = z
  .object({
    siteKey: siteKeySchema,
    name: pgText().trim().min(1).max(80).optional(),
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
  })
  .openapi('CreatedCall');

const createCallRoute = createRoute({
  method: 'post',
  path: '/v1/calls',
  tags: ['widget'],
  summary: 'Start a support call from a website visitor',
  request: { body: jsonBody(createCallBody) },
  responses: {
    201: jsonResponse('Call created; join the room with the token', createdCall),
    ...errorResponses(400, 403, 404, 413, 415, 429, 503),
  },
});

const endCallRoute = createRoute({
  method: 'post',
  path: '/v1/calls/{id}/end',
  tags: ['widget'],
  summary: 'Hang up a call (the visitor who owns it)',
  security: [{ visitorKey: [] }],
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('Call ended', z.object({ callId: z.string(), status: z.string() })),
    ...errorResponses(400, 401, 404),
  },
});

export function publicCallRoutes() {
  const router = createRouter();

  router.openapi(createCallRoute, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const now = deps.now?.() ?? new Date();
    const limit = await hitRateLimit(
      deps.database.db,
      `calls:${clientIp(c, deps.config.trustProxy)}`,
      deps.config.callRateLimitPerMinute,
      now,
    );
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
    const site = await findSiteByKey(deps.database.db, body.siteKey);
    if (!site) throw new AppError(404, 'site_not_found', 'no site has this key', 'siteKey');
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
    return c.json(call, 201);
  });

  router.openapi(endCallRoute, async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const key = bearerToken(c.req.header('authorization'));
    if (!key || !verifyVisitorKey(id, key, deps.config.internalServiceKey)) {
      throw new AppError(401, 'unauthorized', 'a valid visitor key is required', 'authorization');
    }
    const [call] = await deps.database.db
      .select({ id: voiceCalls.id, status: voiceCalls.status })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, id));
    if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
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
    // A repeated hang-up is a no-op that reports the status the call already has.
    return c.json({ callId: id, status: outcome.projection?.status ?? call.status }, 200);
  });

  return router;
}
