import { createRoute, z } from '@hono/zod-openapi';
import { AppError, pgText } from '@voicedesk/core';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import { createSite, listSites, updateSite } from '../services/site-settings.ts';
import type { SiteRow } from '../services/sites.ts';
import { defineRoute } from './define.ts';
import { staffAdmin, staffAny } from './guards.ts';
import { actorOf, scopeOf } from './staff-scope.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const origin = z.string().refine(
  (v) => {
    if (v === '*') return true;
    try {
      const url = new URL(v);
      return (
        (url.protocol === 'https:' || url.protocol === 'http:') &&
        url.origin === v.replace(/\/$/, '').toLowerCase()
      );
    } catch {
      return false;
    }
  },
  { message: 'must be an origin such as https://shop.example.com (scheme and host, no path), or *' },
);

const timeZone = z.string().refine(
  (v) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Paris' },
);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time HH:MM (00:00 to 24:00)');

const businessHours = z
  .object({
    timeZone,
    days: z.partialRecord(
      z.enum(DAYS),
      z.array(
        z
          .object({ open: hhmm, close: hhmm })
          .refine((s) => s.open < s.close, { message: 'must open before it closes', path: ['close'] }),
      ),
    ),
  })
  .describe('Weekly opening hours in the time zone; a missing or empty day is closed; null: always open');

const settingsFields = {
  name: pgText().trim().min(1).max(100),
  allowedOrigins: z
    .array(origin)
    .max(50)
    .describe('Pages allowed to start calls; * allows every origin (unsafe)'),
  instructions: pgText().trim().min(1).max(20_000).describe("The assistant's instructions"),
  greeting: pgText().trim().min(1).max(1_000).describe('What the assistant says first'),
  voice: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be a voice name such as alloy'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or pt-BR'),
  model: z
    .string()
    .regex(/^[\w.:/-]{1,100}$/, 'must be a model name')
    .nullable(),
  maxCallSeconds: z.number().int().min(30).max(14_400).describe('Maximum call length, seconds'),
  idleTimeoutSeconds: z
    .number()
    .int()
    .min(5)
    .max(3_600)
    .describe('Silence this long: the assistant checks in once, then ends the call'),
  maxPendingCalls: z.number().int().min(1).max(10_000),
  maxActiveCalls: z.number().int().min(1).max(10_000),
  businessHours: businessHours.nullable(),
  escalationEnabled: z.boolean(),
  offerSeconds: z
    .number()
    .int()
    .min(10)
    .max(300)
    .nullable()
    .describe('How long an escalation rings for staff, seconds; null: ESCALATION_OFFER_SECONDS applies'),
  recordingEnabled: z.boolean(),
  recordingNotice: pgText()
    .trim()
    .max(1_000)
    .nullable()
    .describe('Shown by the widget before a recorded call'),
  retentionDays: z
    .number()
    .int()
    .min(1)
    .max(3_650)
    .nullable()
    .describe('Calls older than this are erased; null: kept'),
  theme: z.object({
    buttonLabel: pgText().trim().min(1).max(40),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour #rrggbb'),
    position: z.enum(['bottom-right', 'bottom-left']),
  }),
};

const optionalFields = Object.fromEntries(
  Object.entries(settingsFields).map(([k, v]) => [k, v.optional()]),
) as { [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]> };

const patchSchema = z.strictObject(optionalFields).openapi('SitePatch');

// Not patchSchema.extend(): the document then names SitePatch plus an empty strict object that
// only requires `name`, a schema no body can match (and the generated client type admits none).
const createSchema = z.strictObject({ ...optionalFields, name: settingsFields.name }).openapi('SiteCreate');

const siteSchema = z
  .object({
    id: z.string(),
    publicKey: z.string().describe('The key the widget sends (pk_...)'),
    ...settingsFields,
    name: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Site');

/** Limits that only make sense together, checked on the merged row (a patch may carry one of them). */
function checkTogether(site: Pick<SiteRow, 'idleTimeoutSeconds' | 'maxCallSeconds'>): void {
  if (site.idleTimeoutSeconds >= site.maxCallSeconds) {
    throw new AppError(
      400,
      'validation_failed',
      'idleTimeoutSeconds: must be shorter than maxCallSeconds',
      'idleTimeoutSeconds',
    );
  }
}

const wire = (site: SiteRow) => JSON.parse(JSON.stringify(site)) as z.infer<typeof siteSchema>;

const siteIdParam = z.object({
  id: z
    .string()
    .uuid('must be a site id (uuid)')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const listSitesEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route: createRoute({
    method: 'get',
    path: '/v1/sites',
    tags: ['sites'],
    summary: 'The sites the caller handles, with their settings (staff)',
    responses: {
      200: jsonResponse('Sites', z.object({ items: z.array(siteSchema) })),
      ...errorResponses(401, 403),
    },
  }),
  handler: async (c) => {
    const items = await listSites(c.get('deps').database.db, scopeOf(c));
    return c.json({ items: items.map(wire) }, 200);
  },
});

export const createSiteEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'post',
    path: '/v1/sites',
    tags: ['sites'],
    summary: 'Create a site; its public key is generated (admin; audited)',
    request: { body: jsonBody(createSchema) },
    responses: {
      201: jsonResponse('The new site', z.object({ site: siteSchema })),
      ...errorResponses(400, 401, 403),
    },
  }),
  handler: async (c) => {
    const body = c.req.valid('json');
    checkTogether({
      idleTimeoutSeconds: body.idleTimeoutSeconds ?? 30,
      maxCallSeconds: body.maxCallSeconds ?? 900,
    });
    const site = await createSite(c.get('deps').database.db, actorOf(c), body);
    return c.json({ site: wire(site) }, 201);
  },
});

export const updateSiteEntry = defineRoute({
  audience: 'admin',
  guard: staffAdmin,
  route: createRoute({
    method: 'patch',
    path: '/v1/sites/{id}',
    tags: ['sites'],
    summary: "Change a site's settings; the next call uses them (admin; audited)",
    request: { params: siteIdParam, body: jsonBody(patchSchema) },
    responses: {
      200: jsonResponse('The site as it now is', z.object({ site: siteSchema })),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  handler: async (c) => {
    const deps = c.get('deps');
    const site = await updateSite(
      deps.database.db,
      actorOf(c),
      c.req.valid('param').id,
      c.req.valid('json'),
      (merged, current) => {
        checkTogether(merged);
        // The API resets this site's origins to DEFAULT_SITE_ORIGINS at every start.
        const managed =
          deps.config.defaultSite.key !== undefined && current.publicKey === deps.config.defaultSite.key;
        if (managed && JSON.stringify(merged.allowedOrigins) !== JSON.stringify(current.allowedOrigins)) {
          throw new AppError(
            409,
            'conflict',
            "this site's origins follow DEFAULT_SITE_ORIGINS: change the variable and restart",
            'allowedOrigins',
          );
        }
      },
    );
    if (!site) throw new AppError(404, 'site_not_found', 'no such site', 'id');
    return c.json({ site: wire(site) }, 200);
  },
});
