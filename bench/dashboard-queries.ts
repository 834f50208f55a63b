/**
 * The dashboard's queries on a seeded PostgreSQL, timed through the API (createApp in process,
 * routes, validation and JSON included): calls list (first and deeper pages, with filters),
 * full-text search, call detail, 30-day stats. Each kind's query is then run once more under
 * EXPLAIN (ANALYZE, BUFFERS) and the plan saved with the results.
 *
 *   node --import tsx bench/dashboard-queries.ts [--database-url URL] [--calls N] [--runs R]
 *
 * Without a database URL it uses (and seeds, when empty) voicedesk_bench_<N> on the local server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadApiConfig } from '@voicedesk/config';
import * as schema from '@voicedesk/db';
import { type DatabaseHandle, type Db, openDatabase } from '@voicedesk/db';
import { REPO_ROOT } from '@voicedesk/testkit';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createApp } from '../apps/api/src/app.ts';
import type { AppDeps } from '../apps/api/src/deps.ts';
import { createLogger } from '../apps/api/src/logger.ts';
import type { LiveHub } from '../apps/api/src/services/live/hub.ts';
import type { LivekitGateway } from '../apps/api/src/services/livekit-gateway.ts';
import { createApiMetrics } from '../apps/api/src/services/metrics.ts';
import { createObjectStore } from '../apps/api/src/services/storage/create-object-store.ts';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    calls: { type: 'string', default: process.env.BENCH_DASHBOARD_CALLS ?? '100000' },
    runs: { type: 'string', default: '200' },
  },
});
const CALLS = Number(args.calls);
const RUNS = Number(args.runs);
const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function databaseUrl(): Promise<string> {
  if (args['database-url']) return args['database-url'];
  const name = `voicedesk_bench_${CALLS}`;
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists) await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const probe = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const [table] = await probe`select to_regclass('voice_calls') as t`;
  const [row] = table?.t ? await probe`select count(*)::int as n from voice_calls` : [{ n: 0 }];
  await probe.end();
  if ((row?.n ?? 0) < CALLS) {
    console.log(`seeding ${name} with ${CALLS} calls`);
    const seed = spawnSync(
      'node',
      ['--import', 'tsx', 'scripts/seed/seed.ts', '--calls', String(CALLS), '--database-url', url.toString()],
      { cwd: REPO_ROOT, stdio: 'inherit' },
    );
    if (seed.status !== 0) throw new Error('seeding failed');
  }
  return url.toString();
}

const url = await databaseUrl();
/** Every statement the routes run, with its parameters, so the last of each kind can be explained. */
const statements: { sql: string; params: unknown[] }[] = [];
const client = postgres(url, { max: 4, onnotice: () => {} });
const db = drizzle(client, {
  schema,
  logger: { logQuery: (sql, params) => void statements.push({ sql, params }) },
}) as unknown as Db;
const handle = await openDatabase({ kind: 'postgres', url }, { maxConnections: 1 });
const database: DatabaseHandle = { ...handle, db };
const config = loadApiConfig({
  DATABASE_URL: url,
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret-secret',
  ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef',
  INTERNAL_SERVICE_KEY: 'bench-service-key-0123456789abcdef',
  VISITOR_KEY_SECRET: 'bench-visitor-secret-0123456789ab',
  LOG_LEVEL: 'warn',
  RECORDING_MODE: 'off',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'voicedesk-bench-dashboard-')),
});
const unused = () => {
  throw new Error('no media in this benchmark');
};
const deps: AppDeps = {
  config,
  database,
  metrics: createApiMetrics(database),
  livekit: new Proxy({}, { get: () => unused }) as LivekitGateway,
  storage: createObjectStore(config.storage),
  logger: createLogger('warn'),
  live: new Proxy({}, { get: () => unused }) as LiveHub,
};
const app = createApp(deps);
const auth = { authorization: `Bearer ${config.adminApiKey}` };

async function get(path: string): Promise<unknown> {
  const res = await app.request(path, { headers: auth });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

const sample = await client<{ id: string }[]>`
  select id from voice_calls tablesample system (1) limit 500`;
const ids = sample.map((r) => r.id);
const [siteRow] = await client<{ id: string }[]>`select id from sites order by created_at desc limit 1`;
const pickId = (i: number) => ids[i % ids.length] as string;

/** Common and rare words, an order number, a phrase, a word nobody says. */
const SEARCHES = [
  'refund',
  'order',
  'espresso',
  'damaged',
  'invoice',
  'Gdansk',
  '"charged twice"',
  'password reset',
  'A12345',
  'lasagne',
];

const KINDS: Record<string, (i: number) => string> = {
  'list: first page': () => '/v1/calls?limit=25',
  'list: deep page (cursor)': (i) => `/v1/calls?limit=25&cursor=${pickId(i)}`,
  'list: site + status + end reason': (i) =>
    `/v1/calls?limit=25&siteId=${siteRow?.id}&status=completed&endReason=assistant_ended&cursor=${pickId(i)}`,
  'list: duration 5-10 min (rare)': () => '/v1/calls?limit=25&minDuration=300&maxDuration=600',
  'list: duration 60-90 s (common)': (i) =>
    `/v1/calls?limit=25&minDuration=60&maxDuration=90&cursor=${pickId(i)}`,
  search: (i) => `/v1/calls?limit=25&q=${encodeURIComponent(SEARCHES[i % SEARCHES.length] as string)}`,
  'search + site filter': (i) =>
    `/v1/calls?limit=25&siteId=${siteRow?.id}&q=${encodeURIComponent(SEARCHES[i % SEARCHES.length] as string)}`,
  detail: (i) => `/v1/calls/${pickId(i)}`,
  'stats: 30 days by day': () => '/v1/calls/stats',
  'stats: 7 days by hour': () =>
    `/v1/calls/stats?bucket=hour&from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`,
};

const results: Record<string, ReturnType<typeof summary> & { plans: string[] }> = {};
for (const [kind, path] of Object.entries(KINDS)) {
  for (let i = 0; i < 10; i++) await get(path(i));
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await get(path(i));
    times.push(performance.now() - t0);
  }
  // Explain the statements of one request of this kind (the slowest search term for search).
  statements.length = 0;
  const probe = kind.startsWith('search') ? path(SEARCHES.indexOf('order')) : path(1);
  await get(probe);
  const plans: string[] = [];
  for (const s of statements) {
    const rows = await client.unsafe(`explain (analyze, buffers) ${s.sql}`, s.params as never[]);
    plans.push(`-- ${probe}\n${s.sql}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  results[kind] = { ...summary(times), plans };
  console.log(`${kind}: p50 ${results[kind].p50} ms, p95 ${results[kind].p95} ms`);
}

const perTerm: Record<string, number> = {};
for (const term of SEARCHES) {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await get(`/v1/calls?limit=25&q=${encodeURIComponent(term)}`);
    times.push(performance.now() - t0);
  }
  perTerm[term] = summary(times).p50;
}

const [size] = await client<
  { size: string }[]
>`select pg_size_pretty(pg_database_size(current_database())) as size`;
const [counts] = await client<{ calls: number; segments: number }[]>`
  select (select count(*)::int from voice_calls) as calls, (select count(*)::int from transcript_segments) as segments`;

const table = [
  `Dashboard queries through the API (${counts?.calls} calls, ${counts?.segments} segments, database ${size?.size}; ${RUNS} runs each, ms)`,
  '',
  '| query | p50 | p95 | max |',
  '| --- | ---: | ---: | ---: |',
  ...Object.entries(results).map(([k, r]) => `| ${k} | ${r.p50} | ${r.p95} | ${r.max} |`),
  '',
  'Search p50 per term (ms): ' +
    Object.entries(perTerm)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
].join('\n');

writeResults(
  `dashboard-queries-${counts?.calls}`,
  {
    calls: counts?.calls,
    segments: counts?.segments,
    databaseSize: size?.size,
    runs: RUNS,
    results,
    perTerm,
  },
  table,
);
await client.end();
await handle.close();
