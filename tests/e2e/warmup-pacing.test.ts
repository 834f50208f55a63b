import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type SimulatedVisitor, type Stack, startStack } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_warmup_pacing_test';
const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'warmup-pacing');
/** Long against a call's setup, so a start it holds back cannot be mistaken for a slow one. */
const HOLD_MS = 8_000;

let stack: Stack;

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: LOG_DIR,
    script: { greeting: { text: 'Hi, thanks for calling Acme Bikes. How can I help you today?' }, turns: [] },
    siteOrigins: [TEST_ORIGIN],
    env: { AGENT_IDLE_PROCESSES: '2', AGENT_WARMUP_HOLD_MS: String(HOLD_MS) },
    // Under npm test a stack runs the bundle as the image does: the pool paced there is the
    // bundle's own copy of the framework.
  });
  // Both warm before the first call, so the first call leaves one waiting.
  await eventually(
    'both idle job processes to be warm',
    async () => (readyLines() >= 2 && jobProcesses().length === 2 ? true : undefined),
    { timeoutMs: 60_000 },
  );
});

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

function readyLines(): number {
  return readFileSync(join(LOG_DIR, 'agent.log'), 'utf8')
    .split('\n')
    .filter((l) => /job process ready/.test(l)).length;
}

/** The worker's job processes: its process group, minus the worker and its inference process. */
function jobProcesses(): number[] {
  const group = stack.agent?.pid;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name: state, parent, process group.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== group) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('job_proc_lazy_main'))
        pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

async function greetedCall(): Promise<SimulatedVisitor> {
  const { token, livekitUrl } = await mintCall(stack.apiUrl, stack.siteKey);
  const visitor = await connectVisitor({ url: livekitUrl, token });
  await visitor.waitForSpeech({ timeoutMs: 20_000 });
  return visitor;
}

describe('replacement job processes', () => {
  it('wait while a call sets up and another warm process waits, and start once the last is taken', async () => {
    const counts: number[] = [];
    const sampler = setInterval(() => counts.push(jobProcesses().length), 50);
    const visitors: SimulatedVisitor[] = [];
    try {
      const firstPosted = Date.now();
      visitors.push(await greetedCall());
      // The first call took a warm process and was greeted; the other still waits for a call, so
      // its replacement has not started (it would have within a second of the call).
      clearInterval(sampler);
      expect(counts.length).toBeGreaterThan(0);
      expect(Math.max(...counts)).toBe(2);

      visitors.push(await greetedCall());
      // The second call took the last warm one: the next call would have none, so the held start
      // goes at once, long before its hold is over.
      await eventually('a replacement job process to start', async () =>
        jobProcesses().length >= 3 ? true : undefined,
      );
      expect(Date.now() - firstPosted).toBeLessThan(HOLD_MS);
    } finally {
      clearInterval(sampler);
      for (const visitor of visitors) await visitor.hangUp();
    }
  });
});
