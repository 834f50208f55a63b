import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, stackDataDir } from './stack.ts';

describe('stackDataDir', () => {
  it('gives each stack without a directory one of its own, gone when the stack stops', () => {
    const a = stackDataDir(undefined);
    const b = stackDataDir(undefined);
    try {
      expect(a.dir).not.toBe(b.dir);
      expect(a.dir.startsWith(REPO_ROOT)).toBe(false);
      expect(existsSync(a.dir) && existsSync(b.dir)).toBe(true);
    } finally {
      a.remove();
      b.remove();
    }
    expect(existsSync(a.dir) || existsSync(b.dir)).toBe(false);
  });

  it("keeps the caller's directory, and keeps it when the stack stops", () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicedesk-stack-test-'));
    try {
      const data = stackDataDir(dir);
      expect(data.dir).toBe(dir);
      data.remove();
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
