import { createHmac, hkdfSync } from 'node:crypto';
import { keysEqual } from '../middleware/keys.ts';

/**
 * Links to a recording the API streams itself (the file store, or S3 without a public endpoint):
 * `<callId>.<expiry s>.<mac>`. The MAC key is derived from INTERNAL_SERVICE_KEY for this one use,
 * so a link reveals nothing about the service key and opens nothing else.
 */
function linkKey(serviceKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serviceKey, 'voicedesk', 'recording-link', 32));
}

const mac = (key: Buffer, callId: string, expires: number) =>
  createHmac('sha256', key).update(`${callId}.${expires}`).digest('base64url');

export function signRecordingLink(callId: string, expiresAt: Date, serviceKey: string): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${callId}.${expires}.${mac(linkKey(serviceKey), callId, expires)}`;
}

export type LinkCheck = { ok: true; callId: string } | { ok: false; reason: 'invalid' | 'expired' };

export function verifyRecordingLink(token: string, serviceKey: string, now: Date): LinkCheck {
  const [callId, expiresText, presented, ...rest] = token.split('.');
  if (!callId || !expiresText || !presented || rest.length > 0 || !/^\d{1,12}$/.test(expiresText)) {
    return { ok: false, reason: 'invalid' };
  }
  const expires = Number(expiresText);
  if (!keysEqual(presented, mac(linkKey(serviceKey), callId, expires)))
    return { ok: false, reason: 'invalid' };
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, callId };
}
