import { cpus } from 'node:os';
import { join } from 'node:path';
import { dropTestDatabase, openDatabase, recreateTestDatabase, voiceCalls } from '@voicedesk/db';
import { findFreePort, REPO_ROOT, startStack } from '@voicedesk/testkit';
import { count } from 'drizzle-orm';
import { AccessToken, RoomAgentDispatch, RoomServiceClient, TrackSource } from 'livekit-server-sdk';
import { BENCH_ORIGIN, raiseSiteCaps } from './bench-call.ts';
import { builtApiEntrypoints } from './built-entrypoints.ts';
import { profileTable, summariseProfile } from './cpu-profile.ts';
import { connectProfiler } from './inspector-profiler.ts';
import { httpClient, type LoadResult, loadHeader, loadRow, runLoad } from './load.ts';
import { writeResults } from './results-file.ts';

/**
 * POST /v1/calls throughput: the whole mint (rate limit, site, capacity, row, room with its
 * agent dispatch, live notice, token) against PostgreSQL and livekit-server, at several levels
 * of concurrency, with a CPU profile of the API at the best one. No worker runs, so dispatches
 * wait in livekit-server instead of starting jobs on the same two cores.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_mint_bench_test';
const MINTS = Number(process.env.BENCH_MINTS ?? 1000);
const LEVELS = (process.env.BENCH_MINT_CONCURRENCY ?? '10,50,100').split(',').map(Number);
const WARMUP = 200;
// As compose runs it: LiveKit's webhooks (one or more per room made) on the API's internal
// listener. BENCH_MINT_ONE_LISTENER=1 puts them on the public one, beside the bench's requests.
const ONE_LISTENER = process.env.BENCH_MINT_ONE_LISTENER === '1';
const PROFILE_DIR = join(REPO_ROOT, 'bench', 'results', 'profiles');
// Production's default; a quieter level would flatter the figure.
const LOG_LEVEL = process.env.BENCH_API_LOG_LEVEL ?? 'info';

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const inspectPort = await findFreePort();
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-mint'),
  siteOrigins: [BENCH_ORIGIN],
  withAgent: false,
  internalListener: !ONE_LISTENER,
  // As production runs it. The inspector is open for the profile below; unattached, it costs nothing.
  entrypoints: builtApiEntrypoints(`--inspect=127.0.0.1:${inspectPort}`),
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL },
});
// The per-IP limit (above) and the site's caps would refuse a throughput run from one address.
await raiseSiteCaps(databaseUrl, stack.siteKey);
const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 1 });

const client = httpClient(stack.apiUrl, Math.max(...LEVELS));
const body = JSON.stringify({ siteKey: stack.siteKey });
let created = 0;
let unavailable = 0;
async function createCall(extraHeaders: Record<string, string> = {}) {
  const res = await client.post(
    '/v1/calls',
    { 'content-type': 'application/json', origin: BENCH_ORIGIN, ...extraHeaders },
    body,
  );
  // An overloaded livekit-server times out CreateRoom (5 s): the API answers 503 and keeps no
  // row. Counted and reported, not fatal: how often it happens under load is part of the result.
  if (res.status === 503 && res.body.includes('voice_unavailable')) {
    unavailable++;
    return;
  }
  if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}: ${res.body}`);
  created++;
}

try {
  await runLoad(10, WARMUP, () => createCall());
  const levels: LoadResult[] = [];
  for (const concurrency of LEVELS) {
    levels.push(await runLoad(concurrency, MINTS, () => createCall(), stack.api.pid));
    process.stdout.write(`mint: ${JSON.stringify(levels.at(-1))}\n`);
  }
  const best = levels.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));

  // The media server's share: the same room with its dispatch, asked of livekit-server directly.
  const rooms = new RoomServiceClient(
    stack.livekit.url.replace(/^ws/, 'http'),
    stack.livekit.apiKey,
    stack.livekit.apiSecret,
  );
  const roomsAlone = await runLoad(
    best.concurrency,
    MINTS,
    async (i) => {
      await rooms.createRoom({
        name: `bench-room-${i}`,
        emptyTimeout: 600,
        departureTimeout: 20,
        maxParticipants: 4,
        agents: [new RoomAgentDispatch({ agentName: 'voicedesk-support', metadata: '{}' })],
      });
    },
    stack.livekit.pid,
  );

  // Behind a proxy: TRUST_PROXY=1 (one hop), each request from its own client address in
  // X-Forwarded-For, so the address is resolved and counted on every request.
  await stack.stopApi();
  await stack.startApi({ TRUST_PROXY: '1' });
  const forwarded = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i % 250}` });
  await runLoad(10, WARMUP, (i) => createCall(forwarded(i)));
  const proxied = await runLoad(best.concurrency, MINTS, (i) => createCall(forwarded(i)), stack.api.pid);
  process.stdout.write(`mint behind a proxy: ${JSON.stringify(proxied)}\n`);

  // Where the time goes: the API's CPU profile over one more run at the best level.
  const profiler = await connectProfiler(inspectPort);
  await profiler.start();
  const profiled = await runLoad(best.concurrency, MINTS, (i) => createCall(forwarded(i)), stack.api.pid);
  const profileFile = await profiler.stop(PROFILE_DIR, 'mint-api');
  const profile = summariseProfile(profileFile);

  // Every 201 is one whole call: no row without its answer, no answer without its row.
  const [rows] = await database.db.select({ n: count() }).from(voiceCalls);

  const tokenStart = performance.now();
  for (let i = 0; i < 2_000; i++) {
    const at = new AccessToken('devkey', 'secret', { identity: `visitor-${i}`, ttl: 600 });
    at.addGrant({ room: `call-${i}`, roomJoin: true, canPublishSources: [TrackSource.MICROPHONE] });
    await at.toJwt();
  }
  const tokensPerSecond = Math.round(2_000 / ((performance.now() - tokenStart) / 1000));

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    conditions: {
      database: 'postgres',
      recordingMode: 'off',
      apiLogLevel: LOG_LEVEL,
      perIpLimitPerMinute: 1_000_000,
      siteMaxPendingCalls: 1_000_000,
      siteMaxActiveCalls: 1_000_000,
      worker: false,
      livekitWebhooksOn: ONE_LISTENER ? 'the public listener' : 'the internal listener (INTERNAL_PORT)',
    },
    levels,
    best: { concurrency: best.concurrency, perSecond: best.perSecond, p99Ms: best.p99Ms },
    behindProxy: proxied,
    livekitCreateRoomAlone: roomsAlone,
    profiledRun: profiled,
    rowsCreated: rows?.n ?? 0,
    answered201: created,
    answered503VoiceUnavailable: unavailable,
    tokensPerSecond,
    profile,
  };
  const table = [
    `POST /v1/calls throughput against PostgreSQL and livekit-server (row, room with agent dispatch, token). Per-IP limit raised to 1,000,000/min and the site's caps on waiting and active calls to 1,000,000 for the run; recording mode off (a builtin recorder adds a job row and a recorder request per call); API log level ${LOG_LEVEL}; no worker running; LiveKit's webhooks to ${results.conditions.livekitWebhooksOn}. One client address unless said.`,
    '',
    loadHeader('calls', 'calls/s'),
    ...levels.map((r) => loadRow('POST /v1/calls', r)),
    loadRow('behind a proxy (TRUST_PROXY=1, X-Forwarded-For per request)', proxied),
    loadRow('the same, CPU profiler attached', profiled),
    loadRow(
      "livekit-server CreateRoom with dispatch alone, from the bench (CPU: livekit-server's)",
      roomsAlone,
    ),
    '',
    `Rows created ${results.rowsCreated} for ${created} answers 201; ${unavailable} answers 503 voice_unavailable (livekit-server did not create the room within 5 s; no row kept). Visitor token signing alone: ${tokensPerSecond} tokens/s.`,
    '',
    profileTable(profile),
  ].join('\n');
  writeResults('mint-bench', results, table);
} finally {
  client.close();
  await database.close();
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
