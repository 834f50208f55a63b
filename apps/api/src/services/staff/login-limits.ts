import { AppError } from '@voicedesk/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { clientIp, rateLimitSubject } from '../../middleware/client-ip.ts';
import { hitRateLimit } from '../rate-limiter.ts';

function refuse(retryAfterSeconds: number): never {
  throw new AppError(429, 'rate_limited', 'too many sign-in attempts, try again later', undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}

/**
 * Sign-in attempts (login, first-run code, invite) are counted per address and, when an account
 * is named, per account, in the database so every instance shares the count. Every attempt
 * counts, right or wrong: a guesser cannot learn from which ones were.
 */
export async function countSignInAttempt(c: Context<AppEnv>, account?: string): Promise<void> {
  const deps = c.get('deps');
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const { loginLimitPerIp, loginLimitPerAccount, loginWindowSeconds } = deps.config.staff;
  const ip = rateLimitSubject(clientIp(c, deps.config.trustProxy));
  const byIp = await hitRateLimit(db, `signin-ip:${ip}`, loginLimitPerIp, now, loginWindowSeconds);
  if (!byIp.allowed) refuse(byIp.retryAfterSeconds);
  if (account === undefined) return;
  const byAccount = await hitRateLimit(
    db,
    `signin-account:${account}`,
    loginLimitPerAccount,
    now,
    loginWindowSeconds,
  );
  if (!byAccount.allowed) refuse(byAccount.retryAfterSeconds);
}
