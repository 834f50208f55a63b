import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InternalApi } from '../api-client.ts';
import { silentLogger } from '../logger.ts';
import { replayRecordings } from './recording-replay.ts';
import { RecordingSpool } from './recording-spool.ts';
import { RecordingUploader } from './recording-uploader.ts';

const CALL = '0190a3c2-7b1e-7c3d-8e4f-123456789abc';
const STARTED = '2026-11-25T20:00:00.000Z';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Buffer;
  status?: number;
}

/** A stand-in for the API's two recording routes, answering from a script. */
function fakeApi(answer: (seen: Seen, index: number) => { status: number; code?: string }) {
  const seen: Seen[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const entry: Seen = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: Buffer.from(
        typeof init?.body === 'string' ? init.body : new Uint8Array(init?.body as ArrayBuffer),
      ),
    };
    if (
      init?.headers &&
      (init.headers as Record<string, string>).authorization !== 'Bearer key-0123456789abcdef'
    ) {
      return new Response(null, { status: 401 });
    }
    const { status, code } = answer(entry, seen.length);
    seen.push({ ...entry, status });
    const body = code ? JSON.stringify({ error: { code, message: code, requestId: 'r1' } }) : '{}';
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
  const api: InternalApi = { apiUrl: 'http://api.test', serviceKey: 'key-0123456789abcdef', fetchImpl };
  return { api, seen };
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'recorder-spool-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

async function uploader(api: InternalApi) {
  const spool = await RecordingSpool.create(root, CALL, silentLogger);
  const up = new RecordingUploader({ api, callId: CALL, spool, logger: silentLogger, maxBackoffMs: 20 });
  await up.start(STARTED);
  return { up, spool };
}

describe('RecordingUploader', () => {
  it('uploads chunks in order, then the finish with their totals, and leaves no spool', async () => {
    const { api, seen } = fakeApi(() => ({ status: 200 }));
    const { up, spool } = await uploader(api);
    up.addChunk({ seq: 0, durationMs: 9_994, bytes: bytes(300, 1) });
    up.addChunk({ seq: 1, durationMs: 19_994, bytes: bytes(200, 2) });
    up.finish();

    expect(await up.settled()).toBe('delivered');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `PUT /internal/calls/${CALL}/recording/chunks/0`,
      `PUT /internal/calls/${CALL}/recording/chunks/1`,
      `POST /internal/calls/${CALL}/recording/finish`,
    ]);
    expect(seen[0]?.query).toEqual({ startedAt: STARTED, durationMs: '9994' });
    expect(seen[1]?.body.equals(Buffer.from(bytes(200, 2)))).toBe(true);
    expect(JSON.parse(seen[2]?.body.toString() ?? '')).toEqual({
      startedAt: STARTED,
      chunks: 2,
      durationMs: 19_994,
      bytes: 500,
    });
    expect(existsSync(spool.dir)).toBe(false);
  });

  it('spools (0600) while the API is away, keeps the order, and sends everything once it is back', async () => {
    let away = true;
    const { api, seen } = fakeApi(() => (away ? { status: 503 } : { status: 200 }));
    const { up, spool } = await uploader(api);
    up.addChunk({ seq: 0, durationMs: 1_000, bytes: bytes(100, 1) });
    up.addChunk({ seq: 1, durationMs: 2_000, bytes: bytes(100, 2) });
    await until(() => readdirSync(spool.dir).filter((f) => f.startsWith('chunk-')).length === 2);
    up.addChunk({ seq: 2, durationMs: 3_000, bytes: bytes(100, 3) });
    await until(() => readdirSync(spool.dir).filter((f) => f.startsWith('chunk-')).length === 3);
    for (const file of readdirSync(spool.dir))
      expect(statSync(join(spool.dir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(spool.dir).mode & 0o777).toBe(0o700);
    // The progress follows each chunk to disk: a finish after a crash would count all three.
    await until(() => JSON.parse(readFileSync(join(spool.dir, 'progress.json'), 'utf8')).chunks === 3);

    away = false;
    up.finish();
    expect(await up.settled()).toBe('delivered');
    const accepted = seen.filter((s) => s.status === 200).map((s) => s.path.split('/').pop());
    expect(accepted).toEqual(['0', '1', '2', 'finish']);
    // While away, only the head was tried.
    expect(new Set(seen.filter((s) => s.status === 503).map((s) => s.path.split('/').pop()))).toEqual(
      new Set(['0']),
    );
    expect(existsSync(spool.dir)).toBe(false);
  });

  it('stops for good on recording_closed and drops its spool', async () => {
    const { api, seen } = fakeApi((s) =>
      s.path.endsWith('/1') ? { status: 409, code: 'recording_closed' } : { status: 200 },
    );
    const { up, spool } = await uploader(api);
    up.addChunk({ seq: 0, durationMs: 1_000, bytes: bytes(10, 1) });
    up.addChunk({ seq: 1, durationMs: 2_000, bytes: bytes(10, 2) });
    up.addChunk({ seq: 2, durationMs: 3_000, bytes: bytes(10, 3) });
    up.finish();

    expect(await up.settled()).toBe('rejected');
    expect(seen.map((s) => s.path.split('/').pop())).toEqual(['0', '1']);
    expect(existsSync(spool.dir)).toBe(false);
  });

  it('retries a 401 (a key rotation) and a 404 without a permanent code', async () => {
    const answers = [{ status: 401 }, { status: 404, code: 'not_found' }, { status: 200 }, { status: 200 }];
    const { api, seen } = fakeApi((_, i) => answers[i] ?? { status: 200 });
    const { up } = await uploader(api);
    up.addChunk({ seq: 0, durationMs: 1_000, bytes: bytes(10, 1) });
    up.finish();
    expect(await up.settled()).toBe('delivered');
    expect(seen.map((s) => s.path.split('/').pop())).toEqual(['0', '0', '0', 'finish']);
  });

  it('leaves what the API did not take on disk when stopped, and a later replay delivers it', async () => {
    let away = true;
    const { api, seen } = fakeApi(() => (away ? { status: 503 } : { status: 200 }));
    const { up, spool } = await uploader(api);
    up.addChunk({ seq: 0, durationMs: 1_000, bytes: bytes(100, 1) });
    up.addChunk({ seq: 1, durationMs: 2_000, bytes: bytes(50, 2) });
    up.finish();
    await up.persist();
    await up.stop();
    expect(await up.settled()).toBe('stopped');
    expect(readdirSync(spool.dir).sort()).toEqual([
      'chunk-000000-1000ms.ogg',
      'chunk-000001-2000ms.ogg',
      'progress.json',
    ]);

    away = false;
    seen.length = 0;
    const replay = replayRecordings({ spoolDir: root, api, logger: silentLogger, maxBackoffMs: 20 });
    await replay.done;
    expect(seen.map((s) => s.path.split('/').pop())).toEqual(['0', '1', 'finish']);
    expect(seen[1]?.query).toEqual({ startedAt: STARTED, durationMs: '2000' });
    expect(seen[1]?.body.equals(Buffer.from(bytes(50, 2)))).toBe(true);
    expect(JSON.parse(seen[2]?.body.toString() ?? '')).toEqual({
      startedAt: STARTED,
      chunks: 2,
      durationMs: 2_000,
      bytes: 150,
    });
    expect(readdirSync(root)).toEqual([]);
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
