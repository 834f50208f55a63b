import { openDatabase, sites } from '@voicedesk/db';
import { eq } from 'drizzle-orm';

/** Changes a site's call limits straight in the test database: the agent reads them per call. */
export async function setSiteLimits(
  databaseUrl: string,
  siteKey: string,
  limits: { maxCallSeconds?: number; idleSeconds?: number },
): Promise<void> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 1 });
  try {
    await database.db
      .update(sites)
      .set({
        ...(limits.maxCallSeconds !== undefined ? { maxCallSeconds: limits.maxCallSeconds } : {}),
        ...(limits.idleSeconds !== undefined ? { idleTimeoutSeconds: limits.idleSeconds } : {}),
      })
      .where(eq(sites.publicKey, siteKey));
  } finally {
    await database.close();
  }
}
