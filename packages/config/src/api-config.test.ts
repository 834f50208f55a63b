import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './api-config.ts';
import { ConfigError } from './parse-env.ts';

const strong = () => randomBytes(24).toString('base64url');
const base = () => ({
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret-secret',
  ADMIN_API_KEY: strong(),
  INTERNAL_SERVICE_KEY: strong(),
  VISITOR_KEY_SECRET: strong(),
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('API secrets', () => {
  it('accepts what npm start and the tests generate', () => {
    expect(problemsOf(base())).toEqual([]);
    const hex = () => randomBytes(16).toString('hex');
    expect(
      problemsOf({ ...base(), ADMIN_API_KEY: hex(), INTERNAL_SERVICE_KEY: hex(), VISITOR_KEY_SECRET: hex() }),
    ).toEqual([]);
  });

  it('refuses the same value for the admin and the service key, naming the variable', () => {
    const env = base();
    env.INTERNAL_SERVICE_KEY = env.ADMIN_API_KEY;
    expect(problemsOf(env).join('\n')).toMatch(/^INTERNAL_SERVICE_KEY .*ADMIN_API_KEY/m);
  });

  it('refuses the visitor key secret equal to another key', () => {
    const env = base();
    env.VISITOR_KEY_SECRET = env.INTERNAL_SERVICE_KEY;
    expect(problemsOf(env).join('\n')).toMatch(/^VISITOR_KEY_SECRET /m);
  });

  it.each([
    ['shorter than 32 characters', 'k3Y9x2QpLm7Vb4Tz8Rw1Nc6Hd5Fj0Sa'],
    ['too few distinct characters', 'abababababababababababababababab12'],
    ['one character repeated', 'x'.repeat(64)],
  ])('refuses a key %s, naming the variable', (_why, value) => {
    for (const name of ['ADMIN_API_KEY', 'INTERNAL_SERVICE_KEY', 'VISITOR_KEY_SECRET']) {
      expect(problemsOf({ ...base(), [name]: value }).join('\n')).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });

  it('requires VISITOR_KEY_SECRET', () => {
    const { VISITOR_KEY_SECRET: _, ...env } = base();
    expect(problemsOf(env).join('\n')).toMatch(/^VISITOR_KEY_SECRET is missing/m);
  });
});

describe('TRUST_PROXY', () => {
  const trust = (value?: string) =>
    loadApiConfig({ ...base(), ...(value ? { TRUST_PROXY: value } : {}) }).trustProxy;

  it('is off unless set', () => {
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
  });

  it('takes a hop count or a list of proxy addresses and CIDRs', () => {
    expect(trust('2')).toEqual({ hops: 2 });
    expect(trust('10.0.0.0/8, 2001:db8::1,loopback')).toEqual({
      addresses: ['10.0.0.0/8', '2001:db8::1', 'loopback'],
    });
  });

  it('refuses "true" (it would believe what the client writes) and addresses that are not', () => {
    expect(problemsOf({ ...base(), TRUST_PROXY: 'true' }).join('\n')).toMatch(/^TRUST_PROXY /m);
    expect(problemsOf({ ...base(), TRUST_PROXY: 'proxy.internal' }).join('\n')).toMatch(/^TRUST_PROXY /m);
    expect(problemsOf({ ...base(), TRUST_PROXY: '10.0.0.0/40' }).join('\n')).toMatch(/^TRUST_PROXY /m);
  });
});

describe('INTERNAL_PORT', () => {
  it('is unset by default and a port when given', () => {
    expect(loadApiConfig(base()).internalPort).toBeUndefined();
    expect(loadApiConfig({ ...base(), INTERNAL_PORT: '3001' }).internalPort).toBe(3001);
  });

  it('cannot be the public port', () => {
    expect(problemsOf({ ...base(), PORT: '3000', INTERNAL_PORT: '3000' }).join('\n')).toMatch(
      /^INTERNAL_PORT /m,
    );
  });
});

describe('LIVEKIT_URL', () => {
  it('takes one node, which is also the public URL by default', () => {
    const { livekit } = loadApiConfig({ ...base(), LIVEKIT_URL: 'ws://livekit:7880' });
    expect(livekit.urls).toEqual(['ws://livekit:7880']);
    expect(livekit.publicUrl).toBe('ws://livekit:7880');
  });

  it('takes every node of a cluster, comma-separated, with the balancer as the public URL', () => {
    const { livekit } = loadApiConfig({
      ...base(),
      LIVEKIT_URL: 'ws://lk-1:7880, ws://lk-2:7880',
      LIVEKIT_PUBLIC_URL: 'wss://rtc.example.com',
    });
    expect(livekit.urls).toEqual(['ws://lk-1:7880', 'ws://lk-2:7880']);
    expect(livekit.publicUrl).toBe('wss://rtc.example.com');
  });

  it('refuses several nodes without a public URL, naming the variable', () => {
    expect(problemsOf({ ...base(), LIVEKIT_URL: 'ws://lk-1:7880,ws://lk-2:7880' }).join('\n')).toMatch(
      /^LIVEKIT_PUBLIC_URL is missing/m,
    );
  });

  it('refuses a list with something that is not a URL, naming the variable', () => {
    const env = { ...base(), LIVEKIT_URL: 'ws://lk-1:7880,lk-2', LIVEKIT_PUBLIC_URL: 'wss://x.example' };
    expect(problemsOf(env).join('\n')).toMatch(/^LIVEKIT_URL is invalid/m);
  });
});
