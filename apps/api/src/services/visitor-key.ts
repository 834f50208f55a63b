import { createHmac } from 'node:crypto';
import { keysEqual } from '../middleware/keys.ts';

/**
 * The visitor proves ownership of a call (to hang up) with an HMAC of the call id under
 * VISITOR_KEY_SECRET, a secret used for nothing else. It is stateless, so the key outlives the
 * 10-minute join token without a table of secrets; the route refuses it once the call has ended.
 */
export function visitorKeyFor(callId: string, secret: string): string {
  return createHmac('sha256', secret).update(`visitor:${callId}`).digest('base64url');
}

export function verifyVisitorKey(callId: string, presented: string, secret: string): boolean {
  return keysEqual(presented, visitorKeyFor(callId, secret));
}
