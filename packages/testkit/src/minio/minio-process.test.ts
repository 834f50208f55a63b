import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMinio } from './minio-process.ts';

const live = (endpoint: string) =>
  fetch(`${endpoint}/minio/health/live`).then(
    (r) => r.status,
    () => 'refused',
  );

describe('startMinio', () => {
  it('serves on loopback with random credentials, and leaves nothing in /tmp after stop()', async () => {
    const a = await startMinio();
    const b = await startMinio();
    try {
      expect(a.endpoint).toBe(`http://127.0.0.1:${a.port}`);
      expect(await live(a.endpoint)).toBe(200);
      expect(a.accessKeyId).not.toBe(b.accessKeyId);
      expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
      expect(a.secretAccessKey.length).toBeGreaterThanOrEqual(32);
      // Anything unsigned is refused.
      expect((await fetch(`${a.endpoint}/`)).status).toBe(403);
    } finally {
      await b.stop();
    }
    await a.stop();
    expect(await live(a.endpoint)).toBe('refused');
    expect(existsSync(dirname(a.dataDir))).toBe(false);
    await expect(a.start()).rejects.toThrow(/stopped for good/);
  }, 60_000);

  it('comes back on the same port and data dir after kill() + start(), and keeps a given data dir', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'voicedesk-minio-test-')), 'data');
    const minio = await startMinio({ dataDir });
    try {
      expect(minio.dataDir).toBe(dataDir);
      await minio.kill();
      expect(await live(minio.endpoint)).toBe('refused');
      expect(existsSync(dataDir)).toBe(true);
      await minio.start();
      expect(await live(minio.endpoint)).toBe(200);
    } finally {
      await minio.stop();
    }
    expect(existsSync(dataDir)).toBe(true);
    rmSync(dirname(dataDir), { recursive: true, force: true });
  }, 60_000);
});
