import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';

let t: RouteApp;
let pings = 0;
beforeAll(async () => {
  t = await startRouteApp('access_readyz', {
    livekit: {
      ping: async () => {
        pings++;
      },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

describe('GET /readyz', () => {
  it('probes LiveKit at most once per couple of seconds, however often it is asked', async () => {
    pings = 0;
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.request('/readyz')));
    for (let i = 0; i < 50; i++) expect((await t.request('/readyz')).status).toBe(200);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(pings).toBe(1);
  });

  it('probes again once the cached answer is older than that', async () => {
    await new Promise((r) => setTimeout(r, 2100));
    pings = 0;
    await t.request('/readyz');
    expect(pings).toBe(1);
  });
});
