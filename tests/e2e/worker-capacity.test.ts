import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import {
  connectVisitor,
  entrypointsUnderNpmTest,
  REPO_ROOT,
  type SimulatedVisitor,
  type Stack,
  startStack,
} from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallRequest, POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_worker_capacity_test';
const MAX_CALLS = 4;
/**
 * The framework tells livekit-server its worker's load every 2.5 s (agents 1.9.0, not a
 * setting); each call waits for a report that counts the calls before it.
 */
const LOAD_REPORTED_MS = 3_500;

let stack: Stack;
const visitors: SimulatedVisitor[] = [];

async function metric(name: string): Promise<number> {
  const text = await fetch(`${stack.apiUrl}/metrics`, {
    headers: { authorization: `Bearer ${stack.internalServiceKey}` },
  }).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
}

async function placeCall(): Promise<SimulatedVisitor> {
  const res = await fetch(`${stack.apiUrl}/v1/calls`, createCallRequest(stack.siteKey));
  expect(res.status).toBe(201);
  const { token, livekitUrl } = (await res.json()) as { token: string; livekitUrl: string };
  const visitor = await connectVisitor({ url: livekitUrl, token });
  visitors.push(visitor);
  return visitor;
}

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'worker-capacity'),
    script: { greeting: { text: 'Hi, thanks for calling Acme Bikes. How can I help you today?' }, turns: [] },
    siteOrigins: [TEST_ORIGIN],
    // Two warm processes: the burst below would otherwise wait for three process starts one
    // after another, each slowed by the calls already talking on the same two cores. The join
    // timeout well past the waits below, so a call that waits for a slot is not ended first.
    env: { AGENT_MAX_CALLS: String(MAX_CALLS), AGENT_IDLE_PROCESSES: '2', AGENT_JOIN_TIMEOUT_SECONDS: '60' },
    // The burst's calls wait for job processes started one after another: under tsx each start
    // compiles the agent again (4–6 s each on a slow host, past the burst's wait), which the
    // image's bundle does not.
    entrypoints: entrypointsUnderNpmTest(),
  });
});

afterAll(async () => {
  await Promise.allSettled(visitors.map((v) => v.hangUp()));
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

describe('one worker', () => {
  it('answers as many calls at once as AGENT_MAX_CALLS allows', async () => {
    for (let i = 0; i < MAX_CALLS; i++) {
      if (i > 0) await sleep(LOAD_REPORTED_MS);
      const visitor = await placeCall();
      // Every earlier visitor is still on the line.
      await expect(
        visitor.waitForSpeech({ timeoutMs: 15_000 }),
        `call ${i + 1} greeted`,
      ).resolves.toBeDefined();
    }
  });

  // Goes on from the test above: the worker holds its maximum.
  it('answers a call that found it full as soon as one of its calls ends', async () => {
    await sleep(LOAD_REPORTED_MS);
    const waiting = await placeCall();
    await expect(waiting.waitForSpeech({ timeoutMs: 4_000 }), 'answered past the maximum').rejects.toThrow();

    await visitors[0]?.hangUp();
    await expect(
      waiting.waitForSpeech({ timeoutMs: 15_000 }),
      'greeted once a slot freed',
    ).resolves.toBeDefined();

    // What tells an operator that calls arrive while every worker is full.
    expect(await metric('voicedesk_assistant_redispatches_total')).toBeGreaterThanOrEqual(1);
  });

  it('takes no more than its maximum from a burst that comes between two load reports', async () => {
    await Promise.allSettled(visitors.splice(0).map((v) => v.hangUp()));
    await eventually('every call to end', async () =>
      (await metric('voicedesk_calls_in_progress')) + (await metric('voicedesk_calls_pending')) === 0
        ? true
        : undefined,
    );
    // The worker has told livekit-server it is empty: every call of the burst is offered to it.
    await sleep(LOAD_REPORTED_MS);
    const burst = await Promise.all(Array.from({ length: MAX_CALLS + 1 }, () => placeCall()));
    // Long enough for the burst's job processes to start on a slow, loaded host (the last one
    // once took 15 s); the call refused stays unanswered until a slot frees, whatever the wait.
    const greeted = await Promise.allSettled(burst.map((v) => v.waitForSpeech({ timeoutMs: 20_000 })));
    expect(greeted.filter((g) => g.status === 'fulfilled')).toHaveLength(MAX_CALLS);

    const refused = burst[greeted.findIndex((g) => g.status === 'rejected')];
    await burst[greeted.findIndex((g) => g.status === 'fulfilled')]?.hangUp();
    await expect(
      refused?.waitForSpeech({ timeoutMs: 15_000 }),
      'greeted once a slot freed',
    ).resolves.toBeDefined();
  });
});
