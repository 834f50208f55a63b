import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import {
  builtByNpmTest,
  type ClusterStack,
  connectVisitor,
  type LivekitServer,
  REPO_ROOT,
  type SimulatedVisitor,
  startClusterStack,
} from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentTimeline } from '../support/agent-timeline.ts';
import { createCallRequest, POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';
import { setSiteLimits } from '../support/site-settings.ts';

/**
 * Issue 10: losing a LiveKit node must not corrupt its calls. Two livekit-server nodes on one
 * Redis, two APIs, two agent workers; SIGKILL the node hosting calls, then read the stored rows.
 *
 * What livekit-server v1.13.5 does then (measured): a room whose node died is re-created on a
 * live node, under the same name and sid, when its first participant reconnects (~5 s later when
 * that participant's signal connection was on the dead node, ~8-11 s when it went through the
 * live node, which only gives up relaying after a timeout); everyone rejoins with a new
 * participant sid, no `participant_left` ever comes for the old ones, and the room's agent
 * dispatch runs again (a second assistant job). A room on the live node only loses the signal
 * connections that went through the dead one: they resume there with the same sids, no webhook.
 *
 * Three tests below wait on agent fixes and fail until then (each says why).
 */
const DB = 'voicedesk_e2e_cluster_test';
/** How long an unsettled call (visitor dropped, room gone) waits for a witness: shortened. */
const SETTLE_GRACE_SECONDS = 5;
const SWEEP_INTERVAL_MS = 500;
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
    { transcriptOfUser: 'That helps a lot, thank you.', text: 'You are welcome.' },
  ],
};

interface CallDetail {
  status: string;
  endReason: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  participants: { kind: string; identity: string; joinedAt: string; leftAt: string | null }[];
  segments: { seq: number; speaker: string; text: string }[];
  events: { type: string; createdAt: string; payload?: unknown }[];
}

interface LiveCall {
  callId: string;
  roomName: string;
  node: LivekitServer;
  visitor: SimulatedVisitor;
  /** When the visitor first saw the assistant: the start of talk time. */
  answeredAt: number;
}

const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'livekit-cluster');
let stack: ClusterStack;

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startClusterStack({
    databaseUrl,
    logDir: LOG_DIR,
    script,
    siteOrigins: [TEST_ORIGIN],
    // From dist/ when npm test has just built it: job processes then start without tsx, which
    // on two cores keeps the workers' process pools from timing out while calls arrive.
    runtime: builtByNpmTest() ? 'built' : 'source',
    env: {
      // This stack runs no recorder: calls here are not recorded.
      RECORDING_MODE: 'off',
      AGENT_JOIN_TIMEOUT_SECONDS: '8',
      SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
      SETTLE_GRACE_SECONDS: String(SETTLE_GRACE_SECONDS),
      ROOM_LOST_GRACE_SECONDS: '5',
      // Placement is LiveKit's: the test may mint a dozen calls from one address to fill each role.
      CALL_RATE_LIMIT_PER_MINUTE: '100',
      LOG_LEVEL: 'info',
    },
  });
  // The reconnect and the exchanges of the other call can leave a visitor quiet for more than the
  // default 30 s: an idle check-in then would be heard as a second greeting. Idle is not tested here.
  await setSiteLimits(databaseUrl, stack.siteKey, { idleSeconds: 300 });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

const detail = (callId: string) => stack.admin<CallDetail>(`/v1/calls/${callId}`);

let created = 0;
/** Mints a call through API i (round robin), as the widget would through the API balancer, and
 * finds the node its room was placed on. */
async function mintPlacedCall() {
  const api = stack.apis[created++ % stack.apis.length];
  if (!api) throw new Error('no API');
  const call = await mintCall(api.url, stack.siteKey);
  // livekit-server records the room's node in Redis as it places the room: moments after createRoom.
  const node = await eventually(
    'the room to have a node in Redis',
    () => stack.livekit.roomNode(call.roomName),
    // Moments on a quiet machine; seconds when both nodes' CPUs are busy with other calls.
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  return { ...call, node };
}

/** Joins and waits until the greeting has played: the call is `connected` and talking. */
async function answer(call: Awaited<ReturnType<typeof mintPlacedCall>>, url: string): Promise<LiveCall> {
  const connectedAt = Date.now();
  const visitor = await connectVisitor({ url, token: call.token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 }).catch((error: Error) => {
    const workers = stack.agents.map((_, i) =>
      agentTimeline(join(LOG_DIR, `agent-${i}.log`), connectedAt, 20),
    );
    throw new Error([`${error.message} (call ${call.callId})`, ...workers].join('\n'));
  });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
  return { ...call, visitor, answeredAt: await visitor.agentSeenAt(1_000) };
}

/**
 * The row once it is no longer `connected`, or as it stands at the deadline: polled without
 * failing, so the report shows what the row says before the assertions judge it.
 */
async function detailOnceEnded(callId: string, deadline: number) {
  for (;;) {
    const d = await detail(callId);
    if (d.status !== 'connected' || Date.now() > deadline) return { d, seenAt: Date.now() };
    await new Promise((r) => setTimeout(r, 250));
  }
}

const AGENT_KIND = 4;

/** The visitor says a line and waits for the assistant's spoken answer to end. */
async function exchange(visitor: SimulatedVisitor, wav: string) {
  const said = await visitor.say(fixture(wav));
  const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 }).catch(() => null);
  if (reply) await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 }).catch(() => {});
  return { saidAt: said.startedAt, answered: reply !== null };
}
const seconds = (ms: number) => ms / 1000;

interface Outcome {
  killedAt: number;
  /** Calls minted through each API after the node died, and whether their assistant greeted. */
  afterwards: { status: number; greeted: boolean }[];
  /** Agent workers still running after the node died, and those that registered again. */
  workersRunning: number;
  workersReRegistered: number;
  lost: { call: LiveCall; row: CallDetail; seenAt: number };
  continuing: {
    call: LiveCall;
    /** The row while the visitor was still talking after the node died. */
    during: CallDetail;
    /** The visitor heard the assistant answer what it said after the node died. */
    answered: boolean;
    /** Greetings the visitor heard after the node died (a re-dispatched assistant greets again). */
    greetingsAfterKill: number;
    assistantsInRoom: number;
    hungUpAt: number;
    row: CallDetail;
  }[];
}

/** Three answered calls: one whose visitor cannot reconnect, one on the node to kill, one on the other. */
async function placeCalls() {
  // The node to kill is the balancer's first: every connection made through the balancer (the
  // visitors' signalling, the agent workers' registrations) is on it, so all of them must move.
  const victim = stack.livekit.nodes[0] as LivekitServer;
  let lost: LiveCall | undefined;
  let onVictim: LiveCall | undefined;
  let onSurvivor: LiveCall | undefined;
  // Placement is LiveKit's: mint until each role has a call on the right node.
  // A node that has just started is not offered rooms until its load stats are in; a call that
  // lands where no role is open is left unanswered (its join window releases it).
  for (let i = 0; i < 16 && !(lost && onVictim && onSurvivor); i++) {
    const mint = await mintPlacedCall();
    if (mint.node === victim && !lost) {
      // A visitor joined straight to the node (no balancer) cannot come back when it dies: the
      // call whose visitor is gone.
      lost = await answer(mint, victim.url);
    } else if (mint.node === victim && !onVictim) {
      onVictim = await answer(mint, mint.livekitUrl);
    } else if (mint.node !== victim && !onSurvivor) {
      onSurvivor = await answer(mint, mint.livekitUrl);
    } else {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (!lost || !onVictim || !onSurvivor) throw new Error('sixteen calls did not land on both nodes');
  return { lost, victim, continuing: [onVictim, onSurvivor] };
}

async function killNodeUnderCalls(): Promise<Outcome> {
  const { lost, victim, continuing } = await placeCalls();
  // One exchange before the node dies, so the transcript has lines on both sides of it.
  for (const c of continuing) {
    // Without it the rest proves nothing: the transcript would lack this exchange for this reason.
    const before = await exchange(c.visitor, 'visitor-1.wav');
    if (!before.answered) throw new Error(`the assistant of ${c.callId} did not answer before the node died`);
  }
  for (const c of [lost, ...continuing]) expect((await detail(c.callId)).status).toBe('connected');

  const reRegistered = stack.agents.map((a) =>
    a.waitForLine(/registered worker/, 20_000).then(
      () => true,
      () => false,
    ),
  );
  const killedAt = Date.now();
  await victim.kill();
  // Watched from the kill on, so the time it ended is known to the poll interval.
  const lostEnd = detailOnceEnded(lost.callId, killedAt + (SETTLE_GRACE_SECONDS + 15) * 1000);

  // A call's room is back once Redis places it on a live node and its visitor, reconnected
  // through the balancer, has an assistant with it. A room that lived on the dead node is only
  // re-created when a participant's reconnect gets there (3-11 s); until then what the visitor
  // says is lost, as it would be for anyone.
  for (const c of continuing) {
    await eventually(
      'the room back on a live node with its visitor and an assistant',
      async () => {
        const node = await stack.livekit.roomNode(c.roomName);
        const assistant = c.visitor.remoteParticipants().some((p) => p.kind === AGENT_KIND);
        return node && node !== victim && c.visitor.isConnected() && assistant ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
  }
  // Let re-created rooms settle: a re-dispatched assistant would greet now.
  await new Promise((r) => setTimeout(r, 4_000));

  const answered: boolean[] = [];
  const greetingsAfterKill: number[] = [];
  for (const c of continuing) {
    const turn = await exchange(c.visitor, 'visitor-2.wav');
    // Nobody but an assistant's greeting speaks between the kill and the visitor's question.
    greetingsAfterKill.push(
      c.visitor
        .speechSegments()
        .filter((x) => x.start > killedAt && x.start < turn.saidAt && x.end - x.start > 300).length,
    );
    answered.push(turn.answered);
  }

  const gone = await lostEnd;
  const during = await Promise.all(continuing.map((c) => detail(c.callId)));
  const assistants = continuing.map(
    (c) => c.visitor.remoteParticipants().filter((p) => p.kind === AGENT_KIND).length,
  );
  const hungUpAt = Date.now();
  for (const c of continuing) await c.visitor.hangUp();
  await lost.visitor.hangUp().catch(() => {});
  const rows = await Promise.all(continuing.map((c) => detailOnceEnded(c.callId, hungUpAt + 20_000)));

  // Each API lists the nodes in its own order, so one of them has the dead node first.
  const afterwards: Outcome['afterwards'] = [];
  for (const api of stack.apis) {
    const res = await fetch(`${api.url}/v1/calls`, createCallRequest(stack.siteKey));
    if (res.status !== 201) {
      afterwards.push({ status: res.status, greeted: false });
      continue;
    }
    const call = (await res.json()) as { token: string; livekitUrl: string };
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 }).catch(() => null);
    afterwards.push({ status: res.status, greeted: greeting !== null });
    await visitor.hangUp();
  }

  const outcome: Outcome = {
    killedAt,
    workersReRegistered: (await Promise.all(reRegistered)).filter(Boolean).length,
    afterwards,
    workersRunning: stack.agents.filter((a) => a.process.exitCode === null && a.process.signalCode === null)
      .length,
    lost: { call: lost, row: gone.d, seenAt: gone.seenAt },
    continuing: continuing.map((call, i) => ({
      call,
      during: during[i] as CallDetail,
      answered: answered[i] ?? false,
      greetingsAfterKill: greetingsAfterKill[i] ?? -1,
      assistantsInRoom: assistants[i] ?? -1,
      hungUpAt,
      row: (rows[i] as { d: CallDetail }).d,
    })),
  };
  // What the rows say, for the report and for a failure's diagnosis.
  const summary = (d: CallDetail) => ({
    status: d.status,
    endReason: d.endReason,
    durationSeconds: d.durationSeconds,
    participants: d.participants.map((p) => `${p.kind} ${p.identity} ${p.leftAt ? 'left' : 'in'}`),
    segments: d.segments.map((x) => `${x.seq} ${x.speaker}: ${x.text.slice(0, 24)}`),
    events: d.events.map((e) => e.type).join(' '),
  });
  console.log(
    JSON.stringify(
      {
        afterwards,
        workersReRegistered: outcome.workersReRegistered,
        lost: {
          ...summary(gone.d),
          endedSecondsAfterKill: seconds(gone.seenAt - killedAt),
          talkSecondsUntilKill: seconds(killedAt - lost.answeredAt),
        },
        continuing: outcome.continuing.map((c) => ({
          hostedOnKilledNode: c.call.node === victim,
          answered: c.answered,
          greetingsAfterKill: c.greetingsAfterKill,
          assistantsInRoom: c.assistantsInRoom,
          talkSeconds: seconds(c.hungUpAt - c.call.answeredAt),
          ...summary(c.row),
        })),
      },
      null,
      1,
    ),
  );
  return outcome;
}

describe('a LiveKit node dies under its calls', () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await killNodeUnderCalls();
  }, 200_000);

  it('ends the call whose visitor is gone within the grace, as visitor_lost', () => {
    const { row, seenAt } = outcome.lost;
    expect(row.status).toBe('completed');
    expect(row.endReason).toBe('visitor_lost');
    // The platform first learns of the loss when LiveKit re-creates the room (3-11 s after the
    // node died, when the assistant reconnects); the settle grace runs from there.
    expect(seconds(seenAt - outcome.killedAt)).toBeLessThanOrEqual(SETTLE_GRACE_SECONDS + 12);
  });

  // Only the assistant can know this moment: its own link broke when the node died, and the
  // visitor was not in the room when it came back (its witness reports the drop at the break).
  it("stores the lost call's true talk time, up to the node's death", () => {
    const { row, call } = outcome.lost;
    // Stored in whole seconds, and the break is seen a moment after the node died.
    expect(
      Math.abs((row.durationSeconds ?? -99) - seconds(outcome.killedAt - call.answeredAt)),
    ).toBeLessThanOrEqual(3);
  });

  it('keeps every API taking calls and every agent worker answering them', () => {
    expect(outcome.afterwards).toEqual(stack.apis.map(() => ({ status: 201, greeted: true })));
    expect(outcome.workersRunning).toBe(stack.agents.length);
    // Registered on the dead node through the balancer, they reconnected through it to the other.
    expect(outcome.workersReRegistered).toBe(stack.agents.length);
  });

  it('keeps the calls whose visitor came back connected, so the assistant answers them', () => {
    for (const c of outcome.continuing) {
      expect(c.during.status, 'still connected while the visitor talks').toBe('connected');
      expect(c.answered, 'the visitor heard the assistant answer after the node died').toBe(true);
    }
  });

  it('ends each of those calls on the visitor hang-up with its true talk time', () => {
    for (const c of outcome.continuing) {
      expect(c.row.status).toBe('completed');
      expect(c.row.endReason).toBe('visitor_hung_up');
      const talk = seconds(c.hungUpAt - c.call.answeredAt);
      expect(Math.abs((c.row.durationSeconds ?? -99) - talk)).toBeLessThanOrEqual(3);
    }
  });

  // In a re-created room the first assistant's job may rejoin and the job LiveKit dispatches again
  // joins too: the older stands down (apps/agent/src/assistant-claim.ts).
  it('leaves one assistant in each room', () => {
    for (const c of outcome.continuing) expect(c.assistantsInRoom).toBe(1);
  });

  it('greets each visitor once', () => {
    for (const c of outcome.continuing) {
      expect(c.greetingsAfterKill, 'greetings heard after the node died').toBe(0);
      expect(c.row.segments.filter((x) => x.text === script.greeting.text)).toHaveLength(1);
    }
  });

  it('keeps one continuous transcript: greeting and two exchanges, numbered in order', () => {
    for (const c of outcome.continuing) {
      expect(c.row.segments.map((x) => x.speaker)).toEqual(['ai', 'visitor', 'ai', 'visitor', 'ai']);
      // The conversation went on where it was: the resumed assistant had what was said before.
      const [first, second] = script.turns;
      expect(c.row.segments.map((x) => x.text)).toEqual([
        script.greeting.text,
        first?.transcriptOfUser,
        first?.text,
        second?.transcriptOfUser,
        second?.text,
      ]);
      const seqs = c.row.segments.map((x) => x.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  });
});
