import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type ApiKeyScope, apiKeys, type Db, newId } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { newToken, tokenHash } from './tokens.ts';

/** `vdk_<prefix>_<secret>`: the prefix is shown in lists and finds the row; only the hash of the whole key is kept. */
const KEY_SHAPE = /^vdk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const TOUCH_EVERY_MS = 60_000;

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function apiKeyWire(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('vdk_');
}

export async function createApiKey(
  db: Db,
  input: { name: string; scopes: readonly ApiKeyScope[]; createdBy: string },
): Promise<{ row: ApiKeyRow; secret: string }> {
  const prefix = randomBytes(6).toString('hex');
  const secret = `vdk_${prefix}_${newToken()}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId(),
      name: input.name,
      prefix,
      secretHash: tokenHash(secret),
      scopes: [...new Set(input.scopes)],
      createdBy: input.createdBy,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return { row, secret };
}

/** The live key a bearer names, or null (malformed, unknown, wrong secret, revoked). */
export async function verifyApiKey(db: Db, presented: string, now: Date): Promise<ApiKeyRow | null> {
  const m = KEY_SHAPE.exec(presented);
  if (!m) return null;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.prefix, m[1] as string));
  if (!row || row.revokedAt) return null;
  const expected = Buffer.from(row.secretHash, 'hex');
  const given = Buffer.from(tokenHash(presented), 'hex');
  if (!timingSafeEqual(expected, given)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return row;
}

/** Whether a key is still unrevoked: what a long-lived response opened with it asks now and then. */
export async function apiKeyStillActive(db: Db, id: string): Promise<boolean> {
  const [row] = await db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, id));
  return row !== undefined && row.revokedAt === null;
}
