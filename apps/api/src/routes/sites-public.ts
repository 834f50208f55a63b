import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '@voicedesk/core';
import { createRouter } from '../router.ts';
import { errorResponses, jsonResponse, siteKeySchema } from '../schemas.ts';
import { isOpen } from '../services/business-hours.ts';
import { findSiteByKey } from '../services/sites.ts';

const siteConfig = z
  .object({
    name: z.string(),
    greeting: z.string(),
    language: z.string(),
    open: z.boolean().describe('Whether calls are accepted right now (business hours)'),
    theme: z.object({
      buttonLabel: z.string(),
      color: z.string(),
      position: z.enum(['bottom-right', 'bottom-left']),
    }),
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

export function publicSiteRoutes() {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const deps = c.get('deps');
    const site = await findSiteByKey(deps.database.db, c.req.valid('param').key);
    if (!site) throw new AppError(404, 'site_not_found', 'no site has this key', 'key');
    c.header('cache-control', 'public, max-age=60');
    return c.json(
      {
        name: site.name,
        greeting: site.greeting,
        language: site.language,
        open: isOpen(site.businessHours, deps.now?.() ?? new Date()),
        theme: site.theme,
      },
      200,
    );
  });
  return router;
}
