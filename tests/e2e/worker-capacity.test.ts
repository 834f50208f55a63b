import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type SimulatedVisitor, type Stack, startStack } from '@voicedesk/testkit';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentTimeline } from '../support/agent-timeline.ts';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { scrapeApiMetrics } from '../support/api-metrics.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_worker_capacity_test';
const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'worker-capacity');
const AGENT_LOG = join(LOG_DIR, 'agent.log');
const MAX_CALLS = 4;
/**
 * The framework tells livekit-server its worker's load every 2.5 s (agents 1.9.0, not a
 * setting); each call waits for a report that counts the calls before it.
 */
const LOAD_REPORTED_MS = 3_500;

let stack: Stack;
const calls: PlacedCall[] = [];

async function metric(name: string): Promise<number> {
  const text = await scrapeApiMetrics(stack);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
}

interface PlacedCall {
  visitor: SimulatedVisitor;
  roomName: string;
}

async function placeCall(): Promise<PlacedCall> {
  const { token, livekitUrl, roomName } = await mintCall(stack.apiUrl, stack.siteKey);
  const call = { visitor: await connectVisitor({ url: livekitUrl, token }), roomName };
  calls.push(call);
  return call;
}

/** Whether the visitor has heard the assistant speak, now. */
function isGreeted(visitor: SimulatedVisitor): Promise<boolean> {
  return visitor.waitForSpeech({ timeoutMs: 0 }).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: LOG_DIR,
    script: { greeting: { text: 'Hi, thanks for calling Acme Bikes. How can I help you today?' }, turns: [] },
    siteOrigins: [TEST_ORIGIN],
    // Two warm processes: the burst below would otherwise wait for three process starts one
    // after another, each slowed by the calls already talking on the same two cores. The join
    // timeout well past the waits below, so a call that waits for a slot is not ended first.
    env: { AGENT_MAX_CALLS: String(MAX_CALLS), AGENT_IDLE_PROCESSES: '2', AGENT_JOIN_TIMEOUT_SECONDS: '60' },
    // The burst's calls wait for job processes started one after another: under tsx each start
    // compiles the agent again (4–6 s each on a slow host, past the burst's wait), which the
    // image's bundle, a stack's default under npm test, does not.
  });
});

afterAll(async () => {
  await Promise.allSettled(calls.map((c) => c.visitor.hangUp()));
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

describe('one worker', () => {
  it('answers as many calls at once as AGENT_MAX_CALLS allows', async () => {
    for (let i = 0; i < MAX_CALLS; i++) {
      if (i > 0) await sleep(LOAD_REPORTED_MS);
      const { visitor } = await placeCall();
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
    const { visitor: waiting } = await placeCall();
    await expect(waiting.waitForSpeech({ timeoutMs: 4_000 }), 'answered past the maximum').rejects.toThrow();

    await calls[0]?.visitor.hangUp();
    await expect(
      waiting.waitForSpeech({ timeoutMs: 15_000 }),
      'greeted once a slot freed',
    ).resolves.toBeDefined();

    // What tells an operator that calls arrive while every worker is full.
    expect(await metric('voicedesk_assistant_redispatches_total')).toBeGreaterThanOrEqual(1);
  });

  it('takes no more than its maximum from a burst that comes between two load reports', async () => {
    await Promise.allSettled(calls.splice(0).map((c) => c.visitor.hangUp()));
    await eventually('every call to end', async () =>
      (await metric('voicedesk_calls_in_progress')) + (await metric('voicedesk_calls_pending')) === 0
        ? true
        : undefined,
    );
    // The worker has told livekit-server it is empty: every call of the burst is offered to it.
    await sleep(LOAD_REPORTED_MS);
    const burstAt = Date.now();
    const burst = await Promise.all(Array.from({ length: MAX_CALLS + 1 }, () => placeCall()));
    // Two calls take the warm processes; the other two wait for processes started one after
    // another beside calls setting up, 4–5 s each here and over 20 s for the pair on a slower
    // host. The wait ends at the fourth greeting, however long that took.
    const greeted = await eventually(
      'four calls of the burst to be greeted',
      async () => {
        const heard = await Promise.all(burst.map((c) => isGreeted(c.visitor)));
        const answered = burst.filter((_, i) => heard[i]);
        return answered.length >= MAX_CALLS ? answered : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${agentTimeline(AGENT_LOG, burstAt)}`);
    });
    expect(greeted, agentTimeline(AGENT_LOG, burstAt)).toHaveLength(MAX_CALLS);

    // The fifth call was refused, not merely slower: no job came of any of its dispatches, and
    // the API counts four calls answered.
    const refused = burst.find((c) => !greeted.includes(c));
    if (!refused) throw new Error('every call of the burst was greeted');
    const dispatches = await new AgentDispatchClient(
      stack.livekit.httpUrl,
      stack.livekit.apiKey,
      stack.livekit.apiSecret,
    ).listDispatch(refused.roomName);
    expect(dispatches.flatMap((d) => (d.state?.jobs ?? []).map((job) => job.id))).toEqual([]);
    expect(await metric('voicedesk_calls_in_progress')).toBe(MAX_CALLS);
    expect(await isGreeted(refused.visitor)).toBe(false);

    await greeted[0]?.visitor.hangUp();
    await expect(
      refused.visitor.waitForSpeech({ timeoutMs: 15_000 }),
      'greeted once a slot freed',
    ).resolves.toBeDefined();
  });
});
