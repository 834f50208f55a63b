import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  DisconnectReason,
  ParticipantInfo,
  ParticipantInfo_Kind,
  Room,
  TrackInfo,
  TrackSource,
  TrackType,
  WebhookEvent,
} from '@livekit/protocol';
import { roomNameForCall, visitorIdentity } from '@voicedesk/core';
import {
  callEvents,
  callParticipants,
  dropTestDatabase,
  newId,
  openDatabase,
  recreateTestDatabase,
  sites,
  voiceCalls,
} from '@voicedesk/db';
import { findFreePort, REPO_ROOT, signWebhook, startStack } from '@voicedesk/testkit';
import { count, eq } from 'drizzle-orm';
import { builtApiEntrypoints } from './built-entrypoints.ts';
import { profileTable, summariseProfile } from './cpu-profile.ts';
import { connectProfiler } from './inspector-profiler.ts';
import { httpClient, type LoadResult, loadHeader, loadRow, runLoad } from './load.ts';
import { writeResults } from './results-file.ts';

/**
 * Webhook ingest: LiveKit's webhooks, signed as livekit-server signs them (a JWT from the API
 * key and secret carrying the body's sha256), posted to the API against PostgreSQL. Each call
 * gets the events a real call produces, in order; a share is delivered twice, as LiveKit's
 * retries do, and must be stored once.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_webhook_bench_test';
const CALLS = Number(process.env.BENCH_WEBHOOK_CALLS ?? 500);
const LEVELS = (process.env.BENCH_WEBHOOK_CONCURRENCY ?? '10,50').split(',').map(Number);
/** Every n-th delivery is followed by a repeat of one delivered a while before. */
const DUPLICATE_EVERY = 10;
const PROFILE_DIR = join(REPO_ROOT, 'bench', 'results', 'profiles');
const LOG_LEVEL = process.env.BENCH_API_LOG_LEVEL ?? 'info';

interface Delivery {
  body: string;
  authorization: string;
  eventId: string;
}

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const inspectPort = await findFreePort();
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-webhook'),
  withAgent: false,
  // As production runs it, with the inspector open for the profile below.
  entrypoints: builtApiEntrypoints(`--inspect=127.0.0.1:${inspectPort}`),
  env: { LOG_LEVEL },
});
const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 2 });
const { apiKey, apiSecret } = stack.livekit;

/** What livekit-server sends: protobuf JSON, `Authorization` a JWT whose sha256 claim is the body's. */
async function sign(event: WebhookEvent): Promise<Delivery> {
  const body = event.toJsonString();
  return { body, authorization: await signWebhook(body, { apiKey, apiSecret }), eventId: event.id };
}

/** A call's webhooks as livekit-server sends them: room, two joins, two tracks, two leaves, room closed. */
function callEventsFor(callId: string, startSec: number): WebhookEvent[] {
  const room = new Room({
    sid: `RM_${callId}`,
    name: roomNameForCall(callId),
    creationTime: BigInt(startSec),
  });
  const agent = new ParticipantInfo({
    sid: `PA_a${callId}`,
    identity: `agent-${callId}`,
    kind: ParticipantInfo_Kind.AGENT,
    joinedAt: BigInt(startSec),
    joinedAtMs: BigInt(startSec * 1000 + 150),
  });
  const visitor = new ParticipantInfo({
    sid: `PA_v${callId}`,
    identity: visitorIdentity(callId),
    kind: ParticipantInfo_Kind.STANDARD,
    joinedAt: BigInt(startSec + 1),
    joinedAtMs: BigInt(startSec * 1000 + 1200),
  });
  const track = (p: ParticipantInfo) =>
    new TrackInfo({ sid: `TR_${p.sid}`, type: TrackType.AUDIO, source: TrackSource.MICROPHONE });
  const left = (p: ParticipantInfo, reason: DisconnectReason) => {
    const gone = p.clone();
    gone.disconnectReason = reason;
    return gone;
  };
  let n = 0;
  const ev = (event: string, at: number, rest: Partial<WebhookEvent> = {}) =>
    new WebhookEvent({ event, id: `EV_${callId}_${n++}`, createdAt: BigInt(at), room, ...rest });
  return [
    ev('room_started', startSec),
    ev('participant_joined', startSec, { participant: agent }),
    ev('track_published', startSec, { participant: agent, track: track(agent) }),
    ev('participant_joined', startSec + 1, { participant: visitor }),
    ev('track_published', startSec + 1, { participant: visitor, track: track(visitor) }),
    ev('participant_left', startSec + 30, {
      participant: left(visitor, DisconnectReason.CLIENT_INITIATED),
    }),
    ev('participant_left', startSec + 31, { participant: left(agent, DisconnectReason.ROOM_DELETED) }),
    ev('room_finished', startSec + 31),
  ];
}

/**
 * The calls' rows (as POST /v1/calls leaves them) and their signed webhooks: calls in groups of
 * 50, each group's events step by step, so one call's events arrive in order and many calls are
 * in flight at once. Every DUPLICATE_EVERY-th delivery is followed by a repeat of the one 200
 * places earlier, long since stored.
 */
async function prepare(
  label: string,
): Promise<{ deliveries: Delivery[]; callIds: string[]; unique: number }> {
  const [site] = await database.db
    .select({ id: sites.id })
    .from(sites)
    .where(eq(sites.publicKey, stack.siteKey));
  if (!site) throw new Error('no bench site');
  const callIds = Array.from({ length: CALLS }, () => newId());
  const startSec = Math.floor(Date.now() / 1000);
  for (let i = 0; i < callIds.length; i += 500) {
    await database.db.insert(voiceCalls).values(
      callIds.slice(i, i + 500).map((id) => ({
        id,
        roomName: roomNameForCall(id),
        siteId: site.id,
        callerIdentity: visitorIdentity(id),
        callerName: `bench ${label}`,
        joinDeadline: new Date(Date.now() + 600_000),
      })),
    );
  }
  const ordered: WebhookEvent[] = [];
  for (let g = 0; g < callIds.length; g += 50) {
    const group = callIds.slice(g, g + 50).map((id) => callEventsFor(id, startSec));
    const steps = group[0]?.length ?? 0;
    for (let s = 0; s < steps; s++) for (const events of group) ordered.push(events[s] as WebhookEvent);
  }
  const signed = await Promise.all(ordered.map(sign));
  const deliveries: Delivery[] = [];
  signed.forEach((d, i) => {
    deliveries.push(d);
    const earlier = signed[i - 200];
    if (i % DUPLICATE_EVERY === 0 && earlier) deliveries.push(earlier);
  });
  return { deliveries, callIds, unique: signed.length };
}

const client = httpClient(stack.apiUrl, Math.max(...LEVELS));
let duplicatesAnswered = 0;
async function deliver(d: Delivery) {
  const res = await client.post(
    '/v1/livekit/webhook',
    { 'content-type': 'application/webhook+json', authorization: d.authorization },
    d.body,
  );
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.body}`);
  if ((JSON.parse(res.body) as { duplicate: boolean }).duplicate) duplicatesAnswered++;
}

/** Delivers a prepared set and checks that each event is stored once and every call ended right. */
async function run(concurrency: number, label: string, profile?: () => Promise<void>) {
  const { deliveries, callIds, unique } = await prepare(label);
  duplicatesAnswered = 0;
  await profile?.();
  const load = await runLoad(
    concurrency,
    deliveries.length,
    (i) => deliver(deliveries[i] as Delivery),
    stack.api.pid,
  );
  const { db } = database;
  // LiveKit's events only: the sweeper records its own for these calls, whose rooms LiveKit never had.
  const [events] = await db.select({ n: count() }).from(callEvents).where(eq(callEvents.source, 'livekit'));
  const completed = await db
    .select({ n: count() })
    .from(voiceCalls)
    .where(eq(voiceCalls.status, 'completed'));
  const [participants] = await db.select({ n: count() }).from(callParticipants);
  const check = {
    deliveries: deliveries.length,
    uniqueEvents: unique,
    duplicatesSent: deliveries.length - unique,
    duplicatesAnswered,
    eventsStoredSoFar: events?.n ?? 0,
    callsCompletedSoFar: completed[0]?.n ?? 0,
    participantsSoFar: participants?.n ?? 0,
    calls: callIds.length,
  };
  process.stdout.write(`webhooks at ${concurrency} in flight: ${JSON.stringify({ ...load, ...check })}\n`);
  return { load, check };
}

try {
  const warmUp = await run(10, 'warm-up');
  const runs: { load: LoadResult; check: Record<string, number> }[] = [];
  for (const concurrency of LEVELS) runs.push(await run(concurrency, `c${concurrency}`));
  const best = runs.reduce((a, b) => (b.load.perSecond > a.load.perSecond ? b : a));

  const profiler = await connectProfiler(inspectPort);
  const profiledRun = await run(best.load.concurrency, 'profiled', () => profiler.start().then(() => {}));
  const profileFile = await profiler.stop(PROFILE_DIR, 'webhook-api');
  const profile = summariseProfile(profileFile);

  // Totals over every run: each unique event stored once, each call completed with two participants.
  const all = [warmUp, ...runs, profiledRun];
  const final = profiledRun.check;
  const stored = {
    uniqueEventsSent: all.reduce((n, r) => n + r.check.uniqueEvents, 0),
    eventsStored: final.eventsStoredSoFar,
    callsSent: all.reduce((n, r) => n + r.check.calls, 0),
    callsCompleted: final.callsCompletedSoFar,
    participantsStored: final.participantsSoFar,
    duplicatesSent: all.reduce((n, r) => n + r.check.duplicatesSent, 0),
    duplicatesAnsweredAsDuplicate: all.reduce((n, r) => n + r.check.duplicatesAnswered, 0),
  };
  const ok =
    stored.eventsStored === stored.uniqueEventsSent &&
    stored.callsCompleted === stored.callsSent &&
    stored.participantsStored === 2 * stored.callsSent &&
    stored.duplicatesSent === stored.duplicatesAnsweredAsDuplicate;

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    conditions: { database: 'postgres', recordingMode: 'off', apiLogLevel: LOG_LEVEL, callsPerRun: CALLS },
    runs,
    profiledRun,
    stored,
    correct: ok,
    profile,
  };
  const table = [
    `LiveKit webhook ingest against PostgreSQL: ${CALLS} calls per run, 8 signed events each (room started, two joins, two tracks, two leaves, room finished), one delivery in ${DUPLICATE_EVERY + 1} a repeat of an earlier one; recording mode off; API log level ${LOG_LEVEL}.`,
    '',
    loadHeader('deliveries', 'events/s'),
    ...runs.map((r) => loadRow('POST /v1/livekit/webhook', r.load)),
    loadRow('the same, CPU profiler attached', profiledRun.load),
    '',
    `Stored: ${stored.eventsStored} events for ${stored.uniqueEventsSent} unique sent; ${stored.duplicatesAnsweredAsDuplicate} of ${stored.duplicatesSent} repeats answered as duplicates and stored no row; ${stored.callsCompleted} of ${stored.callsSent} calls completed, ${stored.participantsStored} participant rows. ${ok ? 'All as expected.' : 'MISMATCH: see the JSON.'}`,
    '',
    profileTable(profile),
  ].join('\n');
  writeResults('webhook-bench', results, table);
  if (!ok) process.exitCode = 1;
} finally {
  client.close();
  await database.close();
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(process.exitCode ?? 0);
