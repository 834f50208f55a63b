import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLivekitServer } from './livekit-process.ts';

/** The config livekit-server reads holds the API secret: only its owner may read it, and only while it runs. */
describe('livekit-server temporary config', () => {
  it('is 0600 in a 0700 directory while the server runs, and gone after stop()', async () => {
    const server = await startLivekitServer({ apiSecret: 'a-secret-only-the-owner-reads-0123456789' });
    let dir = '';
    try {
      expect(existsSync(server.configFile)).toBe(true);
      dir = dirname(server.configFile);
      expect(statSync(server.configFile).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      await server.stop();
    }
    expect(existsSync(dir)).toBe(false);
  }, 30_000);

  it('is gone after kill() too', async () => {
    const server = await startLivekitServer();
    const dir = dirname(server.configFile);
    expect(existsSync(dir)).toBe(true);
    await server.kill();
    expect(existsSync(dir)).toBe(false);
  }, 30_000);
});
