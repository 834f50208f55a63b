import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { errorResponses, jsonResponse, recordingNoticeSchema, siteKeySchema } from '../schemas.ts';
import { isOpen } from '../services/business-hours.ts';
import { recordingNoticeFor } from '../services/recordings.ts';
import { findSiteByKey } from '../services/sites.ts';
import { defineRoute } from './define.ts';
import { publicRoute } from './guards.ts';

const siteConfig = z
  .object({
    name: z.string(),
    greeting: z.string(),
    language: z.string(),
    open: z.boolean().describe('Whether calls are accepted right now (business hours)'),
    livekitUrl: z
      .string()
      .describe(
        'Where calls connect (the same URL POST /v1/calls answers with), so the widget can warm the connection before the visitor presses',
      ),
    theme: z.object({
      buttonLabel: z.string(),
      color: z.string(),
      position: z.enum(['bottom-right', 'bottom-left']),
    }),
    recording: recordingNoticeSchema.describe(
      "Whether calls are recorded, and the notice the widget shows before a call (each call's own answer says it again)",
    ),
  })
  .openapi('SiteConfig');

const route = createRoute({
  method: 'get',
  path: '/v1/sites/{key}/config',
  tags: ['widget'],
  summary: 'What the widget needs to render the call button (public)',
  request: { params: z.object({ key: siteKeySchema.openapi({ param: { name: 'key', in: 'path' } }) }) },
  responses: { 200: jsonResponse('Public site settings', siteConfig), ...errorResponses(400, 404) },
});

export const siteConfigEntry = defineRoute({
  audience: 'public',
  guard: publicRoute,
  cors: {
    preflight: async (c) => {
      const key = c.req.param('key') ?? '';
      if (!siteKeySchema.safeParse(key).success) return undefined;
      return (await findSiteByKey(c.get('deps').database.db, key))?.allowedOrigins;
    },
  },
  route,
  handler: async (c) => {
    const deps = c.get('deps');
    const site = await findSiteByKey(deps.database.db, c.req.valid('param').key);
    if (!site) throw new AppError(404, 'site_not_found', 'no site has this key', 'key');
    c.set('siteOrigins', site.allowedOrigins);
    c.header('cache-control', 'public, max-age=60');
    return c.json(
      {
        name: site.name,
        greeting: site.greeting,
        language: site.language,
        open: isOpen(site.businessHours, deps.now?.() ?? new Date()),
        livekitUrl: deps.livekit.publicUrl,
        theme: site.theme,
        recording: recordingNoticeFor(deps, site),
      },
      200,
    );
  },
});
