import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findFreePort, REPO_ROOT, spawnManaged } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../../apps/agent/scripts/bundle-worker.ts';

/**
 * The worker as the agent image runs it: one bundle (apps/agent/scripts/bundle-worker.ts;
 * tests/e2e/built-dist.test.ts runs a call through it). Every call gets a job process of its own,
 * and the pool starts them one at a time, so what a job process loads bounds how fast calls close
 * together are answered. Here the bundle is built into a directory of the test's own (`npm run
 * build` may be rebuilding dist/ beside it) and started with a module-load hook in every process;
 * no LiveKit is needed, since the framework warms its pool before it connects.
 */

const WORK = join(REPO_ROOT, 'test-artifacts', 'agent-bundle');
const BUNDLE = join(WORK, 'bundle');

// Runs in Node's loader thread of every process, job processes included (NODE_OPTIONS).
const HOOK = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  import { appendFileSync } from 'node:fs';
  export async function load(url, context, next) {
    appendFileSync(process.env.LOADS_FILE, process.pid + ' ' + url + '\\\\n');
    return next(url, context);
  }\`));
`;

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, 'hook.mjs'), HOOK);
  await bundleWorker(BUNDLE);
}, 60_000);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

interface WarmJobProcess {
  /** The ES modules it loaded, as URLs. */
  loads: string[];
  /** Its environment, as the worker forked it. */
  env: Map<string, string>;
}

function processEnv(pid: string): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(
    entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

/** Starts the bundled worker until its first job process is warm; returns what it loaded and its env. */
async function warmJobProcess(mode: 'realtime' | 'pipeline'): Promise<WarmJobProcess> {
  const loadsFile = join(WORK, `loads-${mode}.txt`);
  writeFileSync(loadsFile, '');
  const worker = spawnManaged({
    name: `bundled-worker-${mode}`,
    command: process.execPath,
    args: [join(BUNDLE, 'main.mjs'), 'start'],
    cwd: WORK,
    logFile: join(WORK, `worker-${mode}.log`),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      NODE_OPTIONS: `--import ${pathToFileURL(join(WORK, 'hook.mjs')).href}`,
      LOADS_FILE: loadsFile,
      // Nothing listens there: the worker keeps retrying while its pool warms.
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LIVEKIT_API_KEY: 'bundle-test',
      LIVEKIT_API_SECRET: 'bundle-test-secret-bundle-test-secret',
      INTERNAL_SERVICE_KEY: 'bundle-test-internal-service-key-0123',
      API_URL: 'http://127.0.0.1:9',
      OPENAI_API_KEY: 'sk-bundle-test',
      VOICE_MODE: mode,
      AGENT_PORT: String(await findFreePort()),
      AGENT_IDLE_PROCESSES: '1',
      AGENT_SPOOL_DIR: join(WORK, 'spool'),
      AGENT_GREETING_CACHE_DIR: join(WORK, 'greetings'),
    },
  });
  try {
    const ready = await worker.waitForLine(/job process ready/, 30_000);
    const jobPid = String((JSON.parse(ready) as { pid: number }).pid);
    expect(jobPid).not.toBe(String(worker.pid));
    const loads = readFileSync(loadsFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith(`${jobPid} `))
      .map((line) => line.slice(jobPid.length + 1));
    return { loads, env: processEnv(jobPid) };
  } finally {
    await worker.stop('SIGTERM', 5_000);
  }
}

const fromNodeModules = (urls: string[], pkg: string) =>
  urls.filter((url) => url.includes(`/node_modules/${pkg}/`));

describe('a job process of the bundled worker', () => {
  it('loads the voice framework and the OpenAI plugin from the bundle, one copy shared with the agent', async () => {
    const { loads } = await warmJobProcess('realtime');
    const bundled = loads.filter((url) => url.startsWith(pathToFileURL(BUNDLE).href));
    expect(bundled).toContain(pathToFileURL(join(BUNDLE, 'job_proc_lazy_main.mjs')).href);
    expect(bundled).toContain(pathToFileURL(join(BUNDLE, 'main.mjs')).href);
    expect(fromNodeModules(loads, '@livekit/agents')).toEqual([]);
    expect(fromNodeModules(loads, '@livekit/agents-plugin-openai')).toEqual([]);
    expect(fromNodeModules(loads, 'zod')).toEqual([]);
    // Load on first use: sharp (the framework's video frames) and fluent-ffmpeg (its audio files
    // and recordings to disk), which calls here never use.
    expect(fromNodeModules(loads, 'sharp')).toEqual([]);
    expect(fromNodeModules(loads, 'fluent-ffmpeg')).toEqual([]);
    // It was 444 ES modules from node_modules for the framework's process entry alone.
    console.log(
      `[agent-bundle] a job process loaded ${loads.length} ES modules, ${bundled.length} of them bundle files`,
    );
  }, 60_000);

  it('finds the Silero model beside the bundle in pipeline mode', async () => {
    // The worker checks its VAD before it starts its pool, and each job process loads it again.
    const { loads } = await warmJobProcess('pipeline');
    expect(fromNodeModules(loads, '@livekit/agents-plugin-silero')).toEqual([]);
  }, 60_000);

  it("runs without the framework's event-loop monitor, which a warm process would pay for while it waits", async () => {
    // The framework reads this when the process starts waiting for a call: 0 starts no monitor.
    const { env } = await warmJobProcess('realtime');
    expect(env.get('LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS')).toBe('0');
  }, 60_000);
});
