import * as fs from 'node:fs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentLogger } from './logger.ts';
import { readPendingBatches, type SpooledBatch, SpoolFile } from './spool.ts';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, fsyncSync: vi.fn(actual.fsyncSync) };
});

const logger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'agent-spool-file-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  vi.mocked(fs.fsyncSync).mockClear();
});

function batch(callId: string): SpooledBatch {
  return { v: 1, type: 'batch', id: 'b1', callId, route: 'end', body: { reason: 'visitor_hung_up' } };
}

describe('SpoolFile', () => {
  it('creates its directory 0700 and its file 0600: transcripts are the visitor’s words', () => {
    const dir = join(root, 'spool');
    const file = SpoolFile.create(dir, 'call-1', logger);
    file.append(batch('call-1'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    file.release();
  });

  it('fsyncs an appended batch before append returns, and it reads back', () => {
    const file = SpoolFile.create(join(root, 'spool'), 'call-1', logger);
    file.append(batch('call-1'));
    expect(fs.fsyncSync).toHaveBeenCalled();
    expect(readPendingBatches(file.path, logger)).toEqual([batch('call-1')]);
    file.markDone('b1', 'acked');
    expect(readPendingBatches(file.path, logger)).toEqual([]);
    file.release();
  });
});
