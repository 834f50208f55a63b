import { createRoute, z } from '@hono/zod-openapi';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { isAvailable, setAvailability } from '../services/escalations/availability.ts';
import { ringingEscalations } from '../services/escalations/query.ts';
import { requestEscalation } from '../services/escalations/request.ts';
import {
  acceptEscalation,
  closeOffersLeftAlone,
  declineEscalation,
} from '../services/escalations/respond.ts';
import { defineRoute } from './define.ts';
import { serviceOnly, staffAny, staffSession } from './guards.ts';
import { userOf } from './session-user.ts';
import { scopeOf } from './staff-scope.ts';

const escalationIdParamSchema = z.object({
  id: z
    .string()
    .uuid('must be an escalation id (uuid)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const escalationSchema = z
  .object({
    id: z.string().uuid(),
    callId: z.string().uuid(),
    siteId: z.string().uuid(),
    status: z.string(),
    reason: z.string(),
    summary: z.string(),
    requestedAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Escalation');

const requestRoute = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/escalations',
  tags: ['internal'],
  summary: 'The assistant asks for a person (transfer_to_human); a retry returns the open escalation',
  description:
    "`reason` reaches the visitor's browser with the tool call, so it says only what the visitor may read; staff get a summary the API writes from the transcript. `status` is `unanswered` at once when `availableStaff` is 0.",
  request: {
    params: callIdParamSchema,
    body: jsonBody(z.object({ reason: z.string().trim().min(1).max(500) })),
  },
  responses: {
    200: jsonResponse(
      'The escalation',
      z.object({ escalationId: z.string().uuid(), status: z.string(), availableStaff: z.number().int() }),
    ),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const requestEscalationEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: requestRoute,
  handler: async (c) => {
    const answer = await requestEscalation(
      c.get('deps'),
      c.req.valid('param').id,
      c.req.valid('json').reason,
    );
    return c.json(answer, 200);
  },
});

const availabilityRoute = createRoute({
  method: 'put',
  path: '/v1/staff/me/availability',
  tags: ['escalations'],
  summary: 'Say you can take calls now (available) or not (away); only available staff are offered calls',
  request: { body: jsonBody(z.object({ available: z.boolean() })) },
  responses: {
    200: jsonResponse('Saved', z.object({ available: z.boolean() })),
    ...errorResponses(400, 401),
  },
});

export const availabilityEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: availabilityRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { available } = c.req.valid('json');
    const now = deps.now?.() ?? new Date();
    await setAvailability(deps.database.db, userOf(c).id, available, now);
    if (!available) await closeOffersLeftAlone(deps, userOf(c), now);
    return c.json({ available }, 200);
  },
});

const readAvailabilityRoute = createRoute({
  method: 'get',
  path: '/v1/staff/me/availability',
  tags: ['escalations'],
  summary: 'Whether you are available for calls (away until you say otherwise)',
  responses: {
    200: jsonResponse('Yours', z.object({ available: z.boolean() })),
    ...errorResponses(401),
  },
});

export const readAvailabilityEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: readAvailabilityRoute,
  handler: async (c) => {
    const available = await isAvailable(c.get('deps').database.db, userOf(c).id);
    return c.json({ available }, 200);
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/escalations',
  tags: ['escalations'],
  summary: 'Offers ringing now on your sites, oldest first (what the dashboard shows after (re)connecting)',
  responses: {
    200: jsonResponse('Ringing offers', z.object({ items: z.array(escalationSchema) })),
    ...errorResponses(401, 403),
  },
});

export const listEscalationsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: listRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const items = await ringingEscalations(deps.database.db, scopeOf(c), deps.now?.() ?? new Date());
    return c.json({ items }, 200);
  },
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/v1/escalations/{id}/accept',
  tags: ['escalations'],
  summary: 'Take the call: the first staff member wins; everyone after gets 409 escalation_taken',
  description:
    "A person must answer, so a session only. 200 carries a LiveKit token for the call's room only (microphone, listening).",
  request: { params: escalationIdParamSchema },
  responses: {
    200: jsonResponse(
      'Yours',
      z.object({
        token: z.string(),
        livekitUrl: z.string(),
        roomName: z.string(),
        callId: z.string().uuid(),
      }),
    ),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const acceptEscalationEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: acceptRoute,
  handler: async (c) => {
    const answer = await acceptEscalation(c.get('deps'), userOf(c), c.req.valid('param').id);
    return c.json(answer, 200);
  },
});

const declineRoute = createRoute({
  method: 'post',
  path: '/v1/escalations/{id}/decline',
  tags: ['escalations'],
  summary: 'Turn the offer down; once every available staff member of the site has, nobody is left',
  request: { params: escalationIdParamSchema },
  responses: {
    200: jsonResponse('Recorded', z.object({ status: z.string() })),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const declineEscalationEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: declineRoute,
  handler: async (c) => {
    const answer = await declineEscalation(c.get('deps'), userOf(c), c.req.valid('param').id);
    return c.json(answer, 200);
  },
});
