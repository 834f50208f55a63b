import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { API_KEY_SCOPES, apiKeys } from '@voicedesk/db';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { apiKeyWire, createApiKey } from '../services/staff/api-keys.ts';
import { actorOf } from '../services/staff/staff-scope.ts';
import { defineRoute } from './define.ts';
import { staffAdmin, staffOf } from './guards.ts';
import { apiKeySchema, uuidParam } from './staff-schemas.ts';

export const listApiKeysEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'get',
    path: '/v1/api-keys',
    tags: ['api-keys'],
    summary: 'API keys for programs, newest first; secrets are never shown again (admin)',
    responses: {
      200: jsonResponse('Keys', z.object({ items: z.array(apiKeySchema) })),
      ...errorResponses(401, 403),
    },
  }),
  handler: async (c) => {
    const rows = await c.get('deps').database.db.select().from(apiKeys).orderBy(desc(apiKeys.id));
    return c.json({ items: rows.map(apiKeyWire) }, 200);
  },
});

export const createApiKeyEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'post',
    path: '/v1/api-keys',
    tags: ['api-keys'],
    summary: 'Create an API key; its secret is in this answer only (admin; audited)',
    request: {
      body: jsonBody(
        z.object({
          name: z.string().trim().min(1).max(200),
          scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
        }),
      ),
    },
    responses: {
      201: jsonResponse('Created', z.object({ key: apiKeySchema, secret: z.string() })),
      ...errorResponses(400, 401, 403),
    },
  }),
  handler: async (c) => {
    const { db } = c.get('deps').database;
    const body = c.req.valid('json');
    const actor = actorOf(staffOf(c));
    const { row, secret } = await createApiKey(db, { ...body, createdBy: actor });
    await audit(db, {
      actor,
      action: 'api_key.create',
      callId: null,
      details: { keyId: row.id, scopes: row.scopes },
    });
    return c.json({ key: apiKeyWire(row), secret }, 201);
  },
});

export const revokeApiKeyEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    tags: ['api-keys'],
    summary: 'Revoke an API key, at once (admin; audited)',
    request: { params: uuidParam('API key') },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404) },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const { id } = c.req.valid('param');
    const [exists] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id));
    if (!exists) throw new AppError(404, 'not_found', 'no such API key', 'id');
    await db
      .update(apiKeys)
      .set({ revokedAt: deps.now?.() ?? new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    await audit(db, {
      actor: actorOf(staffOf(c)),
      action: 'api_key.revoke',
      callId: null,
      details: { keyId: id },
    });
    return c.body(null, 204);
  },
});
