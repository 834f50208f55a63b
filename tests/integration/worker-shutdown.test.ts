import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findFreePort,
  type LivekitServer,
  type ManagedChild,
  REPO_ROOT,
  spawnManaged,
  startLivekitServer,
} from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  const worker = spawnManaged({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'apps/agent/src/main.ts'), 'start'],
    cwd: REPO_ROOT,
    logFile: join(LOG_DIR, `${name}.log`),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LIVEKIT_URL: lk.url,
      LIVEKIT_API_KEY: lk.apiKey,
      LIVEKIT_API_SECRET: lk.apiSecret,
      // Nothing listens there; no call is placed.
      API_URL: 'http://127.0.0.1:9',
      INTERNAL_SERVICE_KEY: 'shutdown-test-internal-service-key-0123',
      OPENAI_API_KEY: 'offline-test',
      AGENT_PORT: String(await findFreePort()),
      // Three warm processes, started one after another: two are still starting below.
      AGENT_IDLE_PROCESSES: '3',
      AGENT_SPOOL_DIR: join(workDir, name, 'spool'),
      AGENT_GREETING_CACHE_DIR: join(workDir, name, 'greetings'),
      LOG_LEVEL: 'info',
    },
  });
  workers.push(worker);
  await Promise.all([
    worker.waitForLine(/registered worker/, 60_000),
    worker.waitForLine(/job process ready/, 60_000),
  ]);
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
