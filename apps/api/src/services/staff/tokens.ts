import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes: session tokens, invite tokens, API key secrets. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored as their sha256 only: a copy of the table opens no session. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
