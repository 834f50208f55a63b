import { createHmac, hkdfSync } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../app-env.ts';
import { keysEqual } from '../../middleware/keys.ts';
import { ownOrigin } from '../../middleware/staff-cookie.ts';

/**
 * "This browser has signed in to this account before": a cookie set at each successful login,
 * `<expiry s>.<mac>` over the account's email. While strangers flood an account with wrong
 * passwords it is how its owner still gets in (OWASP's "device cookie"). It opens nothing by
 * itself: the password is still checked. The MAC key is derived from INTERNAL_SERVICE_KEY for
 * this one use.
 */
export const DEVICE_COOKIE = 'vd_device';
/** Long enough that a staff member's usual browser stays known between holidays. */
const DEVICE_TTL_SECONDS = 180 * 24 * 3600;

const deviceKey = (serviceKey: string) =>
  Buffer.from(hkdfSync('sha256', serviceKey, 'voicedesk', 'known-device', 32));
const mac = (key: Buffer, account: string, expires: number) =>
  createHmac('sha256', key).update(`${account}.${expires}`).digest('base64url');

export function rememberDevice(c: Context<AppEnv>, account: string, now: Date): void {
  const expires = Math.floor(now.getTime() / 1000) + DEVICE_TTL_SECONDS;
  const value = `${expires}.${mac(deviceKey(c.get('deps').config.internalServiceKey), account, expires)}`;
  setCookie(c, DEVICE_COOKIE, value, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/v1/auth',
    secure: ownOrigin(c).startsWith('https:'),
    maxAge: DEVICE_TTL_SECONDS,
  });
}

/** The MAC of this browser's device cookie when it is valid for `account`, else undefined. */
export function knownDevice(c: Context<AppEnv>, account: string, now: Date): string | undefined {
  const [expiresText, presented, ...rest] = (getCookie(c, DEVICE_COOKIE) ?? '').split('.');
  if (!expiresText || !presented || rest.length > 0 || !/^\d{1,12}$/.test(expiresText)) return undefined;
  const expires = Number(expiresText);
  if (expires * 1000 <= now.getTime()) return undefined;
  const expected = mac(deviceKey(c.get('deps').config.internalServiceKey), account, expires);
  return keysEqual(presented, expected) ? presented : undefined;
}
