import { createRoute, z } from '@hono/zod-openapi';
import { callIdParamSchema, errorResponses, jsonResponse } from '../schemas.ts';
import { handBackCall } from '../services/escalations/staff-turn.ts';
import { defineRoute } from './define.ts';
import { staffOf, staffSession } from './guards.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/calls/{id}/hand-back',
  tags: ['escalations'],
  summary: 'Give the call back to the assistant (the staff member who took it, or an admin)',
  description:
    "The phase goes back to `ai` (cause `staff`); the room's metadata says so, and the assistant tells the visitor it is back. The staff member is sent out of the room. 409 `not_with_staff` when no staff member has the call, 403 for another staff member, 404 for another site's call.",
  request: { params: callIdParamSchema },
  responses: {
    200: jsonResponse('The assistant has the call again', z.object({ phase: z.literal('ai') })),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const handBackEntry = defineRoute({
  audience: 'staff',
  guard: staffSession,
  route,
  handler: async (c) => {
    const answer = await handBackCall(c.get('deps'), staffOf(c), c.req.valid('param').id);
    return c.json(answer, 200);
  },
});
