import { AppError } from '@voicedesk/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { clientIp, rateLimitSubject } from '../../middleware/client-ip.ts';
import { hitRateLimit, peekRateLimit } from '../rate-limiter.ts';
import { knownDevice } from './known-device.ts';

function refuse(retryAfterSeconds: number): never {
  throw new AppError(429, 'rate_limited', 'too many sign-in attempts, try again later', undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}

const nowOf = (c: Context<AppEnv>) => c.get('deps').now?.() ?? new Date();

/**
 * Sign-in attempts (login, first-run code, invite) are counted per address, every one of them
 * right or wrong, in the database so every instance shares the count: one address cannot try
 * many passwords or many accounts.
 */
export async function countSignInAttempt(c: Context<AppEnv>): Promise<void> {
  const deps = c.get('deps');
  const { loginLimitPerIp, loginWindowSeconds } = deps.config.staff;
  const ip = rateLimitSubject(clientIp(c, deps.config.trustProxy));
  const byIp = await hitRateLimit(
    deps.database.db,
    `signin-ip:${ip}`,
    loginLimitPerIp,
    nowOf(c),
    loginWindowSeconds,
  );
  if (!byIp.allowed) refuse(byIp.retryAfterSeconds);
}

/** Which failure counters a login to this account is checked against (see accountGate). */
export type AccountGate = { buckets: string[] };

/**
 * Per account only failed logins count, so the owner's own sign-ins never use up the limit.
 * Once an account has had LOGIN_LIMIT_PER_ACCOUNT failures in the window (guessing from many
 * addresses), logins to it from a browser that never signed in to it are refused, right
 * password or not, so the guesser learns nothing; a browser holding the account's device cookie
 * (it signed in before) still gets in, its own failures limited separately.
 * Checked before the password, counted after (countFailedLogin): concurrent guesses may overshoot
 * the limit by the number in flight at once, which the per-address limit bounds.
 */
export async function accountGate(c: Context<AppEnv>, account: string): Promise<AccountGate> {
  const deps = c.get('deps');
  const { db } = deps.database;
  const now = nowOf(c);
  const { loginLimitPerAccount, loginWindowSeconds } = deps.config.staff;
  const device = knownDevice(c, account, now);
  const bucket = device ? `signin-device:${account}:${device}` : `signin-account:${account}`;
  const gate = await peekRateLimit(db, bucket, loginLimitPerAccount, now, loginWindowSeconds);
  if (!gate.allowed) refuse(gate.retryAfterSeconds);
  // A known browser's failures count against the account too: a stolen cookie is no free pass
  // for new browsers, which are locked once the account's total is reached.
  return { buckets: device ? [`signin-account:${account}`, bucket] : [bucket] };
}

export async function countFailedLogin(c: Context<AppEnv>, gate: AccountGate): Promise<void> {
  const deps = c.get('deps');
  const { loginLimitPerAccount, loginWindowSeconds } = deps.config.staff;
  for (const bucket of gate.buckets) {
    await hitRateLimit(deps.database.db, bucket, loginLimitPerAccount, nowOf(c), loginWindowSeconds);
  }
}
