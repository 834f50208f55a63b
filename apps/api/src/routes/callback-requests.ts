import { createRoute, z } from '@hono/zod-openapi';
import { CALLBACK_STATUSES } from '@voicedesk/db';
import { callIdParamSchema, errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import {
  claimCallbackRequest,
  closeCallbackRequest,
  createCallbackRequest,
  listCallbackRequests,
} from '../services/callbacks/callback-requests.ts';
import { defineRoute } from './define.ts';
import { serviceOnly, staffAny, staffSession } from './guards.ts';
import { userOf } from './session-user.ts';
import { actorOf, scopeOf } from './staff-scope.ts';

const callbackIdParamSchema = z.object({
  id: z
    .string()
    .uuid('must be a callback request id (uuid)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const callbackRequestSchema = z
  .object({
    id: z.string().uuid(),
    callId: z.string().uuid(),
    siteId: z.string().uuid(),
    name: z.string(),
    contact: z.string(),
    reason: z.string(),
    status: z.enum(CALLBACK_STATUSES),
    claimedBy: z.object({ id: z.string().uuid(), name: z.string() }).nullable(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi('CallbackRequest');

const createBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    contact: z.string().trim().min(1).max(200),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

const createRoute_ = createRoute({
  method: 'post',
  path: '/internal/calls/{id}/callback-requests',
  tags: ['internal'],
  summary: 'The assistant stores a request to be called back (request_callback); one per call',
  description:
    '201 with the new id; a retry for the same call answers 200 with the same id (even once the call has ended). 409 `call_not_active` when the call ended without one.',
  request: { params: callIdParamSchema, body: jsonBody(createBody) },
  responses: {
    201: jsonResponse('Stored', z.object({ id: z.string().uuid() })),
    200: jsonResponse('Stored before (a retry)', z.object({ id: z.string().uuid() })),
    ...errorResponses(400, 401, 404, 409, 413, 415),
  },
});

export const createCallbackRequestEntry = defineRoute({
  audience: 'internal',
  guard: serviceOnly,
  route: createRoute_,
  handler: async (c) => {
    const { id, created } = await createCallbackRequest(
      c.get('deps'),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    return created ? c.json({ id }, 201) : c.json({ id }, 200);
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/callback-requests',
  tags: ['callbacks'],
  summary: 'Requests to be called back on your sites, oldest first (audited: they hold contacts)',
  request: {
    query: z.object({
      status: z.enum(CALLBACK_STATUSES).optional().describe('Only these; open and claimed when absent'),
    }),
  },
  responses: {
    200: jsonResponse('Callback requests', z.object({ items: z.array(callbackRequestSchema) })),
    ...errorResponses(400, 401, 403),
  },
});

export const listCallbackRequestsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: listRoute,
  handler: async (c) => {
    const deps = c.get('deps');
    const { status } = c.req.valid('query');
    const statuses = status ? [status] : (['open', 'claimed'] as const);
    const items = await listCallbackRequests(deps.database.db, scopeOf(c), statuses);
    await audit(deps.database.db, {
      actor: actorOf(c),
      action: 'callback.read',
      callId: null,
      details: { statuses, count: items.length },
    });
    return c.json({ items }, 200);
  },
});

const claimRoute = createRoute({
  method: 'post',
  path: '/v1/callback-requests/{id}/claim',
  tags: ['callbacks'],
  summary: 'Take a callback request: yours until you close it; 409 callback_claimed if someone else has it',
  request: { params: callbackIdParamSchema },
  responses: {
    200: jsonResponse('Yours', callbackRequestSchema),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const claimCallbackRequestEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: claimRoute,
  handler: async (c) => {
    const item = await claimCallbackRequest(c.get('deps'), userOf(c), c.req.valid('param').id);
    return c.json(item, 200);
  },
});

const closeRoute = createRoute({
  method: 'post',
  path: '/v1/callback-requests/{id}/close',
  tags: ['callbacks'],
  summary: 'Done: the visitor was called back (whoever claimed it, or an admin; an open one is claimed too)',
  request: { params: callbackIdParamSchema },
  responses: {
    200: jsonResponse('Closed', callbackRequestSchema),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const closeCallbackRequestEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route: closeRoute,
  handler: async (c) => {
    const item = await closeCallbackRequest(c.get('deps'), userOf(c), c.req.valid('param').id);
    return c.json(item, 200);
  },
});
