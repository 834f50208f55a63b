import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentLogger } from './logger.ts';
import { readPendingBatches, type SpooledBatch, SpoolFile } from './spool.ts';

/** Paths of the files synced to disk, in order. */
const synced: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        synced.push(String(args[0]));
      };
      return handle;
    },
  };
});

const logger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'agent-spool-file-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  synced.length = 0;
});

function batch(callId: string): SpooledBatch {
  return { v: 1, type: 'batch', id: 'b1', callId, route: 'end', body: { reason: 'visitor_hung_up' } };
}

describe('SpoolFile', () => {
  it('creates its directory 0700 and its file 0600: transcripts are the visitor’s words', async () => {
    const dir = join(root, 'spool');
    const file = SpoolFile.create(dir, 'call-1', logger);
    await file.append(batch('call-1'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    await file.release();
  });

  it('syncs an appended batch, and its new directory entry, before append resolves; it reads back', async () => {
    const dir = join(root, 'spool');
    const file = SpoolFile.create(dir, 'call-1', logger);
    await file.append(batch('call-1'));
    expect(synced).toEqual([file.path, dir]);
    expect(readPendingBatches(file.path, logger)).toEqual([batch('call-1')]);
    await file.markDone('b1', 'acked');
    expect(readPendingBatches(file.path, logger)).toEqual([]);
    await file.release();
  });

  it("keeps the event loop turning while it writes: the call's audio shares that loop", async () => {
    const file = SpoolFile.create(join(root, 'spool'), 'call-1', logger);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await file.append(batch('call-1'));
    expect(turned).toBe(true);
    await file.release();
  });

  it('writes lines in the order they were asked for, without waiting between asks', async () => {
    const file = SpoolFile.create(join(root, 'spool'), 'call-1', logger);
    const ids = Array.from({ length: 20 }, (_, i) => `b${i}`);
    const writes = ids.map((id) => file.append({ ...batch('call-1'), id }));
    void file.markDone('b0', 'acked');
    await Promise.all(writes);
    await file.release();
    expect(readPendingBatches(file.path, logger).map((b) => b.id)).toEqual(ids.slice(1));
  });
});
