/**
 * What the Docker images run, run here without Docker: `npm run build` (npm test's own), then
 * for the api and agent targets of the Dockerfile, its production-only `npm ci` of that
 * workspace into an empty directory, its COPYs of built files, its ENV and its CMD
 * (`node apps/…/dist/main.js`).
 * No tsx, no TypeScript sources and no dev dependency is there, and a visitor's call completes.
 * (Only the Node version differs: the images run Node 22 LTS, this test the local Node.)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import {
  type BuiltEntrypoint,
  builtByNpmTest,
  connectVisitor,
  REPO_ROOT,
  type Stack,
  startStack,
} from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { type DockerStage, readDockerfile, stageOf } from '../support/dockerfile.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_deploy_built_dist_test';
const IMAGES = join(REPO_ROOT, 'test-artifacts', 'built-dist');
const script = { greeting: { text: 'Hi, this is the built VoiceDesk. How can I help?' }, turns: [] };
const stages = readDockerfile(REPO_ROOT);
const timings: Record<string, number> = {};

let stack: Stack;
const images: Record<'api' | 'agent', { dir: string; entry: BuiltEntrypoint }> = {} as never;

function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

/** The package.json files and lockfile the Dockerfile's `manifests` stage gathers. */
function copyManifests(dir: string) {
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(REPO_ROOT, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', '.git', 'dist', 'test-artifacts', '.data'].includes(entry.name)) walk(path);
      } else if (entry.name === 'package.json') {
        mkdirSync(join(dir, rel), { recursive: true });
        cpSync(join(REPO_ROOT, path), join(dir, path));
      }
    }
  };
  walk('');
  for (const file of ['package-lock.json', '.npmrc']) cpSync(join(REPO_ROOT, file), join(dir, file));
}

/** Lays out what the Dockerfile's `target` image holds under its WORKDIR, and how it starts. */
function replayImage(target: 'api' | 'agent'): { dir: string; entry: BuiltEntrypoint } {
  const stage = stageOf(stages, target);
  const dir = join(IMAGES, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  expect(stage.workdir).toBe('/app');

  let depsStage: DockerStage | undefined;
  for (const copy of stage.copies) {
    const from = stageOf(stages, copy.from);
    if (copy.from === 'build') {
      const rel = copy.src.replace(/^\/app\//, '');
      expect(copy.dest, 'built files keep their place in the tree').toBe(`./${rel}`);
      expect(existsSync(join(REPO_ROOT, rel)), `${rel} after npm run build`).toBe(true);
      cpSync(join(REPO_ROOT, rel), join(dir, rel), { recursive: true });
    } else {
      expect(copy).toMatchObject({ src: '/app/', dest: './' });
      depsStage = from;
    }
  }
  if (!depsStage) throw new Error(`the ${target} stage copies no dependencies stage`);
  expect(depsStage.copies).toEqual([{ from: 'manifests', src: '/out/', dest: './' }]);
  copyManifests(dir);
  const install = depsStage.runs
    .map((run) => /npm (ci [^&;]*)/.exec(run)?.[1])
    .find((cmd) => cmd !== undefined);
  if (!install) throw new Error(`${depsStage.name} runs no npm ci`);
  const args = install.trim().split(/\s+/);
  expect(args, 'runtime images hold production dependencies only').toContain('--omit=dev');
  timed(`npm ci (${target})`, () =>
    execFileSync('npm', [...args, '--prefer-offline'], {
      cwd: dir,
      env: { ...process.env, ...depsStage.env },
      stdio: 'pipe',
    }),
  );

  const cmd = stage.cmd ?? [];
  expect(cmd[0]).toBe('node');
  return { dir, entry: { cwd: dir, args: cmd.slice(1), env: stage.env } };
}

beforeAll(async () => {
  // npm test builds once before its tests (scripts/test.sh); run alone, this file builds.
  if (!builtByNpmTest()) {
    timed('npm run build', () =>
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' }),
    );
  }
  images.api = replayImage('api');
  images.agent = replayImage('agent');
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'built-dist'),
    script,
    siteOrigins: [TEST_ORIGIN],
    entrypoints: {
      api: images.api.entry,
      agent: images.agent.entry,
      // The compose `recorder` service: the agent image, another entry point.
      recorder: { ...images.agent.entry, args: ['apps/agent/dist/recorder/recorder-main.js'] },
    },
    recording: {},
  });
  console.log(`[built-dist] timings (ms): ${JSON.stringify(timings)}`);
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
  // ~600 MB of node_modules (the agent's onnxruntime and rtc-node); the logs stay in test-artifacts/logs.
  rmSync(IMAGES, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('runs Node 22 LTS, node on built JavaScript, never tsx', () => {
    expect(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(
      /^ARG NODE_IMAGE=node:22-bookworm-slim$/m,
    );
    expect(stageOf(stages, 'api').cmd).toEqual(['node', 'apps/api/dist/main.js']);
    expect(stageOf(stages, 'agent').cmd).toEqual(['node', 'apps/agent/dist/bundle/main.mjs', 'start']);
    for (const target of ['api', 'agent'] as const) {
      const { dir, entry } = images[target];
      expect(entry.env?.NODE_ENV).toBe('production');
      expect(JSON.stringify(entry)).not.toContain('tsx');
      expect(existsSync(join(dir, 'node_modules', 'tsx')), `${target} image holds tsx`).toBe(false);
      expect(existsSync(join(dir, 'node_modules', 'vitest')), `${target} image holds vitest`).toBe(false);
      expect(existsSync(join(dir, 'packages', 'core', 'src')), `${target} image holds sources`).toBe(false);
    }
    // typescript is a production dependency of @livekit/agents 1.9.0 (via @livekit/throws-transformer),
    // so only the API image can be held to not having it.
    expect(existsSync(join(images.api.dir, 'node_modules', 'typescript'))).toBe(false);
    // The agent image (the worker and the recorder) holds no database driver.
    expect(existsSync(join(images.agent.dir, 'node_modules', 'postgres'))).toBe(false);
  });
});

describe('the built API and agent', () => {
  it('complete a call: the visitor hears the greeting, and the call is recorded', async () => {
    const call = await mintCall(stack.apiUrl, stack.siteKey);
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    try {
      const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
      expect(greeting.startedAt).toBeGreaterThan(0);
    } finally {
      await visitor.hangUp();
    }
    // The agent reported the greeting to the API, and the API stored it.
    const first = await eventually('the greeting to be stored', async () => {
      const d = await stack.admin<{ segments: { speaker: string; text: string }[] }>(
        `/v1/calls/${call.callId}`,
      );
      return d.segments[0];
    });
    expect(first).toMatchObject({ speaker: 'ai', text: script.greeting.text });
    // The built recorder recorded it.
    const recording = await eventually('the recording to be complete', async () => {
      const d = await stack.admin<{ recording: { status: string; bytes: number } | null }>(
        `/v1/calls/${call.callId}`,
      );
      return d.recording?.status === 'complete' ? d.recording : undefined;
    });
    expect(recording.bytes).toBeGreaterThan(1000);
  });

  it('serve the built widget (brotli) and the call module it names', async () => {
    const res = await fetch(`${stack.apiUrl}/widget.js`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    const loader = await res.text(); // fetch decodes it
    const callModule = /voicedesk-call-[A-Za-z0-9_-]+\.js/.exec(loader)?.[0];
    expect(callModule).toBeDefined();
    const mod = await fetch(`${stack.apiUrl}/${callModule}`);
    expect(mod.status).toBe(200);
    expect(mod.headers.get('cache-control')).toContain('immutable');
  });

  it('serve the API reference at /docs with its assets from the API image, no CDN', async () => {
    const html = await (await fetch(`${stack.apiUrl}/docs`)).text();
    expect(html).not.toMatch(/https?:\/\//i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect((await fetch(`${stack.apiUrl}${asset}`)).status, asset).toBe(200);
  });
});
