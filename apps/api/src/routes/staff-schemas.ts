import { z } from '@hono/zod-openapi';
import { API_KEY_SCOPES, STAFF_ROLES } from '@voicedesk/db';

export const staffUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(STAFF_ROLES),
    siteIds: z.array(z.string()),
    disabled: z.boolean(),
  })
  .openapi('StaffUser');

export const staffUserListedSchema = staffUserSchema
  .extend({ createdAt: z.string(), lastSeenAt: z.string().nullable() })
  .openapi('StaffUserListed');

export const userResponse = z.object({ user: staffUserSchema });

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address'))
  .openapi({ example: 'ann@example.com' });

/** Long enough to resist guessing offline; no composition rules (NIST 800-63B). */
export const newPasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024)
  .openapi({ format: 'password' });

export const personNameSchema = z.string().trim().min(1).max(200);

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const uuidParam = (what: string) =>
  z.object({
    id: z
      .string()
      .uuid(`must be a ${what} id (uuid)`)
      .openapi({ param: { name: 'id', in: 'path' } }),
  });
