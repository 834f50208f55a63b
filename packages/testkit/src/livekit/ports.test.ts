import { afterEach, describe, expect, it, vi } from 'vitest';
import { findFreePort } from './ports.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('findFreePort', () => {
  it('never hands out a port twice, though the first caller has not bound it yet', async () => {
    // The same random draw every time: what a second call makes when it lands on the first's port.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const first = await findFreePort();
    const second = await findFreePort();
    expect(second).not.toBe(first);
  });
});
