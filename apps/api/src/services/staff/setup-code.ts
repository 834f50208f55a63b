import { randomInt, timingSafeEqual } from 'node:crypto';
import { type Db, staffSetupCodes } from '@voicedesk/db';
import type { Logger } from '../../logger.ts';
import { setupNeeded } from './staff-users.ts';
import { tokenHash } from './tokens.ts';

/** No 0/O or 1/I/L: read off a log by a person. 12 of 31 symbols ≈ 59 bits, and sign-in attempts are rate-limited. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const LENGTH = 12;

function newCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

const canonical = (code: string) => code.toUpperCase().replaceAll(/[^0-9A-Z]/g, '');

/**
 * At start, while no admin exists: a one-time code in this one log line, so that only someone
 * who can read the server's log can become its first admin. Stored hashed; every instance's
 * code works until the first admin exists. Returns the code (tests read it), or null.
 */
export async function announceSetupCode(db: Db, logger: Logger, baseUrl: string): Promise<string | null> {
  if (!(await setupNeeded(db))) return null;
  const code = newCode();
  await db.insert(staffSetupCodes).values({ codeHash: tokenHash(canonical(code)) });
  logger.warn(
    { setupCode: code, signIn: `${baseUrl}/app` },
    'no admin account yet: open the dashboard and enter this setup code, or run `npm run admin:create -- --email you@example.com --name "Your Name"`',
  );
  return code;
}

export async function setupCodeValid(db: Db, code: string): Promise<boolean> {
  const presented = Buffer.from(tokenHash(canonical(code)), 'hex');
  const rows = await db.select({ codeHash: staffSetupCodes.codeHash }).from(staffSetupCodes);
  let ok = false;
  for (const row of rows) ok = timingSafeEqual(Buffer.from(row.codeHash, 'hex'), presented) || ok;
  return ok;
}

/** Once an admin exists, no code opens setup again. */
export async function clearSetupCodes(db: Db): Promise<void> {
  await db.delete(staffSetupCodes);
}
