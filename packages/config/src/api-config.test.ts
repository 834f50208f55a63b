import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './api-config.ts';
import { ConfigError } from './parse-env.ts';

const base = {
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret-0123456789',
  ADMIN_API_KEY: 'admin-key-0123456789',
  INTERNAL_SERVICE_KEY: 'internal-key-0123456789',
};

describe('LIVEKIT_URL', () => {
  it('takes one node, which is also the public URL by default', () => {
    const { livekit } = loadApiConfig({ ...base, LIVEKIT_URL: 'ws://livekit:7880' });
    expect(livekit.urls).toEqual(['ws://livekit:7880']);
    expect(livekit.publicUrl).toBe('ws://livekit:7880');
  });

  it('takes every node of a cluster, comma-separated, with the balancer as the public URL', () => {
    const { livekit } = loadApiConfig({
      ...base,
      LIVEKIT_URL: 'ws://lk-1:7880, ws://lk-2:7880',
      LIVEKIT_PUBLIC_URL: 'wss://rtc.example.com',
    });
    expect(livekit.urls).toEqual(['ws://lk-1:7880', 'ws://lk-2:7880']);
    expect(livekit.publicUrl).toBe('wss://rtc.example.com');
  });

  it('refuses several nodes without a public URL, naming the variable', () => {
    expect(() => loadApiConfig({ ...base, LIVEKIT_URL: 'ws://lk-1:7880,ws://lk-2:7880' })).toThrow(
      /LIVEKIT_PUBLIC_URL is missing/,
    );
  });

  it('refuses a list with something that is not a URL, naming the variable', () => {
    const load = () =>
      loadApiConfig({ ...base, LIVEKIT_URL: 'ws://lk-1:7880,lk-2', LIVEKIT_PUBLIC_URL: 'wss://x.example' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/LIVEKIT_URL is invalid/);
  });
});
