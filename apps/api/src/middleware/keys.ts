import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Both sides are HMAC'd with a key drawn once per process, so the comparison always runs over
 * two 32-byte digests: its time depends neither on where the strings differ nor on how long
 * the expected key is, and a caller cannot pre-compute inputs that collide.
 */
const COMPARE_KEY = randomBytes(32);

const digest = (value: string) => createHmac('sha256', COMPARE_KEY).update(value, 'utf8').digest();

export function keysEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}
