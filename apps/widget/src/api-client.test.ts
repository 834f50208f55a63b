import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCall } from './api-client.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('startCall', () => {
  it('tells the API how long after the press the request left, so the call trace starts at the press', async () => {
    const fetch = vi.fn(
      async (_url: string, _init?: RequestInit) =>
        new Response(JSON.stringify({ callId: 'c', token: 't', livekitUrl: 'ws://lk', visitorKey: 'k' }), {
          status: 201,
        }),
    );
    vi.stubGlobal('fetch', fetch);
    await startCall('https://api.example', 'pk_site_000000000000', 42);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('https://api.example/v1/calls');
    expect(JSON.parse(String(init?.body))).toEqual({ siteKey: 'pk_site_000000000000', msSincePress: 42 });
  });
});
