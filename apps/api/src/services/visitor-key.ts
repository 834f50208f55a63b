import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The visitor proves ownership of a call (to hang up) with an HMAC of the call id. It is
 * stateless, so the key outlives the 10-minute join token without a table of secrets.
 */
export function visitorKeyFor(callId: string, secret: string): string {
  return createHmac('sha256', secret).update(`visitor:${callId}`).digest('base64url');
}

export function verifyVisitorKey(callId: string, presented: string, secret: string): boolean {
  const expected = Buffer.from(visitorKeyFor(callId, secret));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
