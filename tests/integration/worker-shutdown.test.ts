import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LivekitServer, type ManagedChild, REPO_ROOT, startLivekitServer } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentWorker } from '../support/agent-worker.ts';

/**
 * A worker told to stop (a deploy, `docker stop`, Ctrl-C under `npm start`) with no call running
 * must exit by itself, and soon: whoever stops it kills it once their deadline passes. The pinned
 * framework hangs on SIGTERM while its idle job processes are still starting, which is the state
 * a worker is in just after it starts and after every call (a replacement process is starting).
 */
const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'worker-shutdown');
// Well inside Docker's default of 10 s; what npm start and the tests wait before SIGKILL is 5 s.
const STOP_DEADLINE_MS = 4_000;

let lk: LivekitServer;
let workDir: string;
const workers: ManagedChild[] = [];

beforeAll(async () => {
  lk = await startLivekitServer({ logFile: join(LOG_DIR, 'livekit.log') });
  workDir = mkdtempSync(join(tmpdir(), 'worker-shutdown-'));
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  await lk?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function startWorker(name: string): Promise<ManagedChild> {
  const worker = await startAgentWorker({
    name,
    livekit: lk,
    logFile: join(LOG_DIR, `${name}.log`),
    env: {
      // Nothing listens there; no call is placed.
      API_URL: 'http://127.0.0.1:9',
      INTERNAL_SERVICE_KEY: 'shutdown-test-internal-service-key-0123',
      // Three warm processes, started one after another: two are still starting below.
      AGENT_IDLE_PROCESSES: '3',
      AGENT_SPOOL_DIR: join(workDir, name, 'spool'),
      AGENT_GREETING_CACHE_DIR: join(workDir, name, 'greetings'),
    },
    readyTimeoutMs: 60_000,
  });
  workers.push(worker);
  return worker;
}

describe('an idle worker told to stop', () => {
  it('exits by itself with the SIGTERM exit code while its warm job processes are still starting', async () => {
    const worker = await startWorker('starting-pool');
    // SIGTERM to the worker alone, as `docker stop` sends it to the container's first process;
    // the deadline's SIGKILL goes to the whole process group.
    worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => void worker.kill(), STOP_DEADLINE_MS);
    const code = await worker.exited;
    clearTimeout(deadline);
    // null: it was still running at the deadline and was killed.
    expect(code).toBe(143);
  });
});
