import { randomBytes } from 'node:crypto';
import { type Db, newId, sites, voiceCalls } from '@voicedesk/db';
import { asc, eq, sql } from 'drizzle-orm';
import { type LimitOutcome, limitOutcome, rateLimitHitCte } from './rate-limiter.ts';

export type SiteRow = typeof sites.$inferSelect;

export const DEFAULT_INSTRUCTIONS = [
  'You are the friendly voice support assistant of this website.',
  'Answer briefly and clearly, one or two sentences at a time, in the language the caller speaks.',
  'If you cannot help, say so honestly. When the caller says goodbye, end the call.',
].join(' ');

export const DEFAULT_GREETING = 'Hi, thanks for calling VoiceDesk support. How can I help you today?';

export function generateSiteKey(): string {
  return `pk_${randomBytes(18).toString('base64url').replace(/-/g, '_')}`;
}

export async function findSiteByKey(db: Db, key: string): Promise<SiteRow | undefined> {
  const [site] = await db.select().from(sites).where(eq(sites.publicKey, key));
  return site;
}

/**
 * POST /v1/calls' first round trip: the caller's hit against a per-address limit and the site
 * read by its key, in one statement. The hit is counted whatever the key, so unknown keys count.
 */
export async function hitLimitAndFindSite(
  db: Db,
  opts: { bucket: string; limit: number; now: Date; siteKey: string },
): Promise<{ limit: LimitOutcome; site: SiteRow | undefined }> {
  const hit = rateLimitHitCte(db, opts.bucket, opts.now);
  const [row] = await db
    .with(hit)
    .select({ hits: hit.hits, previousHits: hit.previousHits, site: sites })
    .from(hit)
    .leftJoin(sites, eq(sites.publicKey, opts.siteKey));
  const counts = { current: row?.hits ?? 0, previous: row?.previousHits ?? 0 };
  return { limit: limitOutcome(counts, opts.limit, opts.now), site: row?.site ?? undefined };
}

/** The allowed origins of the site a call belongs to. */
export async function callSiteOrigins(db: Db, callId: string): Promise<string[] | undefined> {
  const [row] = await db
    .select({ origins: sites.allowedOrigins })
    .from(voiceCalls)
    .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
    .where(eq(voiceCalls.id, callId));
  return row?.origins;
}

/**
 * Whether any site allows this origin: all a preflight of POST /v1/calls can know, since the
 * site key travels in the body the preflight does not carry. The request itself is then held
 * to its own site's list. Normalised as originAllowed does (case, trailing slash).
 */
export async function anySiteAllows(db: Db, origin: string): Promise<boolean> {
  const normalised = origin.replace(/\/$/, '').toLowerCase();
  const [row] = await db
    .select({ id: sites.id })
    .from(sites)
    .where(
      sql`exists (select 1 from unnest(${sites.allowedOrigins}) o where o = '*' or lower(rtrim(o, '/')) = ${normalised})`,
    )
    .limit(1);
  return row !== undefined;
}

/**
 * The site named by DEFAULT_SITE_KEY is managed by configuration (its origins follow the
 * env var); without one, the first site ever created is the demo site.
 */
export async function ensureDefaultSite(
  db: Db,
  opts: { key: string | undefined; origins: string[] },
): Promise<SiteRow> {
  if (opts.key) {
    const [site] = await db
      .insert(sites)
      .values(newSiteValues(opts.key, opts.origins))
      .onConflictDoUpdate({ target: sites.publicKey, set: { allowedOrigins: opts.origins } })
      .returning();
    if (!site) throw new Error('could not create the default site');
    return site;
  }
  const [existing] = await db.select().from(sites).orderBy(asc(sites.createdAt)).limit(1);
  if (existing) return existing;
  const [created] = await db.insert(sites).values(newSiteValues(generateSiteKey(), opts.origins)).returning();
  if (!created) throw new Error('could not create the default site');
  return created;
}

function newSiteValues(key: string, origins: string[]): typeof sites.$inferInsert {
  return {
    id: newId(),
    publicKey: key,
    name: 'Demo site',
    allowedOrigins: origins,
    instructions: DEFAULT_INSTRUCTIONS,
    greeting: DEFAULT_GREETING,
    theme: { buttonLabel: 'Talk to support', color: '#2563eb', position: 'bottom-right' },
  };
}
