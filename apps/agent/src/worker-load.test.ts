import { describe, expect, it } from 'vitest';
import { SERVER_TARGET_LOAD, workerLoad } from './worker-load.ts';

/** livekit-server's share for one worker, in the float32 it keeps loads in. */
function serverAffinity(load: number): number {
  return Math.max(0, Math.fround(Math.fround(SERVER_TARGET_LOAD) - Math.fround(load)));
}

describe('workerLoad', () => {
  it('keeps a worker eligible for calls until it holds its maximum', () => {
    for (const maxCalls of [1, 2, 3, 4, 6, 7, 10, 25, 100, 1000]) {
      for (let active = 0; active < maxCalls; active++) {
        expect(serverAffinity(workerLoad(active, maxCalls)), `${active} of ${maxCalls}`).toBeGreaterThan(0);
      }
    }
  });

  it('reports a full worker at the target, which the server and the framework both read as full', () => {
    for (const maxCalls of [1, 3, 4, 6, 1000]) {
      expect(serverAffinity(workerLoad(maxCalls, maxCalls))).toBe(0);
      expect(workerLoad(maxCalls, maxCalls)).toBeGreaterThanOrEqual(SERVER_TARGET_LOAD);
      expect(workerLoad(maxCalls + 2, maxCalls)).toBe(workerLoad(maxCalls, maxCalls));
    }
  });
});
