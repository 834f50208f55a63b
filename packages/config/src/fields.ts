import { isIP } from 'node:net';
import { z } from 'zod';

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
export const httpUrl = z.url({ protocol: /^https?$/ });
export const wsUrl = z.url({ protocol: /^(wss?|https?)$/ });
export const secret = (minLength: number) =>
  z.string().min(minLength, `must be at least ${minLength} characters`);
/**
 * A key the API compares bearer tokens against, or derives tokens from. 32 characters and 8
 * distinct ones: `openssl rand -hex 32` and 24 random bytes in base64url (what `npm start`
 * generates) pass by a wide margin, while a padded word or a repeated pattern does not.
 */
const STRONG_SECRET_RULE = 'at least 32 characters, at least 8 of them distinct';
export const strongSecret = z
  .string()
  .min(32, `must be ${STRONG_SECRET_RULE}`)
  .refine((v) => new Set(v).size >= 8, `must be ${STRONG_SECRET_RULE}`);
export const boolFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const livekitFields = {
  LIVEKIT_URL: wsUrl.default('ws://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(1),
  LIVEKIT_API_SECRET: secret(6),
};

/** Whom to believe about the client's address: nobody, the last n hops, or listed proxies. */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [ip = '', prefix, ...rest] = entry.split('/');
  const family = isIP(ip);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: `false` (default), a hop count (`1` behind one load balancer), or a comma list
 * of proxy addresses and CIDRs (`10.0.0.0/8,loopback`). `true` is refused: believing every
 * hop means believing the leftmost X-Forwarded-For entry, which the client writes itself.
 */
export const trustProxyField = z
  .string()
  .default('false')
  .transform((raw, ctx): TrustProxy => {
    const value = raw.trim().toLowerCase();
    if (value === 'false' || value === 'no' || value === '0') return false;
    if (/^\d+$/.test(value)) return { hops: Number(value) };
    const addresses = value
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const bad = addresses.filter((a) => !isProxyAddress(a));
    if (value === 'true' || value === 'yes' || bad.length > 0 || addresses.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be false, a hop count, or proxy addresses/CIDRs${bad.length ? ` (not: ${bad.join(', ')})` : ''}; "true" would believe the client's own X-Forwarded-For`,
      });
      return z.NEVER;
    }
    return { addresses };
  });
