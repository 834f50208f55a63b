/**
 * npm run seed -- --calls N [--database-url URL] [--sites K] [--days D]
 *
 * Fills a PostgreSQL database with realistic ended calls (transcript lines, participants, events
 * with minimal payloads) for the benchmark only, through COPY. Secondary indexes of the filled
 * tables are dropped during the load and rebuilt after it (one sort each instead of ten million
 * inserts into a GIN index). Prints the rows written and the database's size.
 */
import { parseArgs } from 'node:util';
import { newId, openDatabase, sites } from '@voicedesk/db';
import postgres from 'postgres';
import { CopyStream, copyLine } from './copy-rows.ts';
import { type FakeCall, fakeCall, uuidV7At } from './fake-calls.ts';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string' },
    'database-url': { type: 'string' },
    sites: { type: 'string', default: '5' },
    days: { type: 'string', default: '365' },
    seed: { type: 'string', default: '1' },
  },
});

const calls = Number(args.calls);
const url = args['database-url'] ?? process.env.DATABASE_URL;
if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls N is required (a positive integer)');
if (!url) throw new Error('--database-url (or DATABASE_URL) is required: the seed fills PostgreSQL only');

const TABLES = ['voice_calls', 'transcript_segments', 'call_participants', 'call_events'];
const iso = (ms: number) => new Date(ms).toISOString();

async function main(): Promise<void> {
  const started = performance.now();
  const database = await openDatabase({ kind: 'postgres', url: url as string }, { maxConnections: 1 });
  await database.migrate();
  const siteIds: string[] = [];
  for (let i = 1; i <= Number(args.sites); i++) {
    const id = newId();
    await database.db.insert(sites).values({
      id,
      publicKey: `pk_seed_${id.replaceAll('-', '').slice(-16)}`,
      name: `Seed site ${i}`,
      instructions: 'You are a helpful support assistant.',
      greeting: 'Hi, thanks for calling. How can I help?',
      theme: { buttonLabel: 'Talk to support', color: '#2563eb', position: 'bottom-right' },
    });
    siteIds.push(id);
  }
  await database.close();

  const sql = postgres(url as string, { max: 4, onnotice: () => {} });
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename in ${sql(TABLES)}
      and indexname not in (select conname from pg_constraint)`;
  for (const index of indexes) await sql.unsafe(`drop index if exists "${index.name}"`);
  const end = Date.now() - 60_000;
  const plan = { calls, siteIds, start: end - Number(args.days) * 86_400_000, end, seed: Number(args.seed) };
  try {
    const callRows = await copyCalls(sql, plan);
    const others = await copyDetails(sql, plan);
    const loaded = performance.now();
    console.log(
      `loaded in ${((loaded - started) / 1000).toFixed(1)} s; rebuilding ${indexes.length} indexes`,
    );
    await sql.unsafe(`set maintenance_work_mem = '512MB'`);
    for (const index of indexes) await sql.unsafe(index.def);
    console.log(`indexes rebuilt in ${((performance.now() - loaded) / 1000).toFixed(1)} s`);
    for (const table of TABLES) await sql.unsafe(`vacuum analyze ${table}`);
    await report(sql, { voice_calls: callRows, ...others }, started);
  } catch (err) {
    // Leave the schema as the migrations made it, even after a failed load.
    for (const index of indexes)
      await sql.unsafe(index.def.replace('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS'));
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function copyCalls(sql: postgres.Sql, plan: Parameters<typeof fakeCall>[0]): Promise<number> {
  const out = await CopyStream.open(sql, 'voice_calls', [
    'id',
    'room_name',
    'site_id',
    'caller_identity',
    'caller_name',
    'status',
    'join_deadline',
    'started_at',
    'connected_at',
    'ended_at',
    'duration_seconds',
    'end_reason',
    'created_at',
    'updated_at',
  ]);
  for (let i = 0; i < plan.calls; i++) {
    const c = fakeCall(plan, i);
    await out.push(
      copyLine([
        c.id,
        c.roomName,
        c.siteId,
        `visitor-${c.id.slice(-12)}`,
        c.callerName,
        c.status,
        iso(c.createdAt + 600_000),
        iso(c.createdAt),
        c.connectedAt === null ? null : iso(c.connectedAt),
        iso(c.endedAt),
        c.durationSeconds,
        c.endReason,
        iso(c.createdAt),
        iso(c.endedAt),
      ]),
    );
  }
  await out.close();
  return out.rows;
}

/** Transcript lines, participants and events in one pass over the calls, three COPY streams at once. */
async function copyDetails(sql: postgres.Sql, plan: Parameters<typeof fakeCall>[0]) {
  const [segments, participants, events] = await Promise.all([
    CopyStream.open(sql, 'transcript_segments', [
      'call_id',
      'seq',
      'speaker',
      'text',
      'started_at',
      'ended_at',
      'language',
      'source',
      'created_at',
    ]),
    CopyStream.open(sql, 'call_participants', [
      'id',
      'call_id',
      'participant_sid',
      'identity',
      'kind',
      'name',
      'joined_at',
      'left_at',
      'duration_seconds',
    ]),
    CopyStream.open(sql, 'call_events', [
      'id',
      'event_id',
      'call_id',
      'room_name',
      'type',
      'source',
      'payload',
      'created_at',
      'received_at',
    ]),
  ]);
  for (let i = 0; i < plan.calls; i++) {
    const c = fakeCall(plan, i);
    const rand = mix(i);
    for (const s of c.segments) {
      await segments.push(
        copyLine([
          c.id,
          s.seq,
          s.speaker,
          s.text,
          iso(s.startedAt),
          iso(s.endedAt),
          'en',
          'realtime',
          iso(s.endedAt),
        ]),
      );
    }
    for (const line of participantLines(c, rand)) await participants.push(line);
    for (const line of eventLines(c, rand)) await events.push(line);
  }
  await Promise.all([segments.close(), participants.close(), events.close()]);
  return {
    transcript_segments: segments.rows,
    call_participants: participants.rows,
    call_events: events.rows,
  };
}

function mix(i: number): () => number {
  let s = (i * 2_654_435_761) >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

function participantLines(c: FakeCall, rand: () => number): string[] {
  const lines: string[] = [];
  const visitorJoined = c.createdAt + 800;
  if (c.status === 'missed' && c.endReason === 'visitor_never_joined') return lines;
  const seconds = Math.round((c.endedAt - visitorJoined) / 1000);
  lines.push(
    copyLine([
      uuidV7At(visitorJoined, rand),
      c.id,
      `PA_${c.id.slice(-12)}v`,
      `visitor-${c.id.slice(-12)}`,
      'visitor',
      c.callerName,
      iso(visitorJoined),
      iso(c.endedAt),
      seconds,
    ]),
  );
  if (c.connectedAt !== null) {
    lines.push(
      copyLine([
        uuidV7At(c.connectedAt, rand),
        c.id,
        `PA_${c.id.slice(-12)}a`,
        'assistant',
        'ai',
        'Assistant',
        iso(c.connectedAt),
        iso(c.endedAt),
        Math.round((c.endedAt - c.connectedAt) / 1000),
      ]),
    );
  }
  return lines;
}

/** The webhooks a call leaves, payloads cut to what a list of events shows. */
function eventLines(c: FakeCall, rand: () => number): string[] {
  const kinds: [string, number][] = [
    ['room_started', c.createdAt + 200],
    ['participant_joined', c.createdAt + 800],
  ];
  if (c.connectedAt !== null) kinds.push(['participant_joined', c.connectedAt]);
  kinds.push(['room_finished', c.endedAt]);
  return kinds.map(([type, at], n) =>
    copyLine([
      uuidV7At(at, rand),
      `EV_${c.id.replaceAll('-', '')}_${n}`,
      c.id,
      c.roomName,
      type,
      'livekit',
      JSON.stringify({ event: type }),
      iso(at),
      iso(at + 50),
    ]),
  );
}

async function report(sql: postgres.Sql, rows: Record<string, number>, started: number): Promise<void> {
  const sizes = await sql<{ table: string; size: string }[]>`
    select relname as table, pg_size_pretty(pg_total_relation_size(relid)) as size
    from pg_statio_user_tables where relname in ${sql(TABLES)}`;
  const [db] = await sql<{ size: string; bytes: string }[]>`
    select pg_size_pretty(pg_database_size(current_database())) as size, pg_database_size(current_database()) as bytes`;
  for (const table of TABLES) {
    const size = sizes.find((s) => s.table === table)?.size ?? '?';
    console.log(`${table.padEnd(20)} ${String(rows[table] ?? 0).padStart(11)} rows  ${size}`);
  }
  console.log(
    `database size: ${db?.size} (${db?.bytes} bytes); total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

await main();
