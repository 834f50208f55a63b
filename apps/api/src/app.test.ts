import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp, TEST_ORIGIN } from './testing/route-app.ts';

const SECRET_NAME = 'Zelda Quintworth';
const SECRET_SENTENCE = 'my card number is 4242 4242 4242 4242';

let t: RouteApp;
let callId: string;
beforeAll(async () => {
  t = await startRouteApp('unhandled_log');
  // Valid input that the database still refuses: the failing statement carries the caller's
  // own words as parameters, just as a real outage or a bug would.
  await t.database.db.execute(
    sql.raw(
      `alter table voice_calls add constraint edge_test_no_name check (caller_name <> '${SECRET_NAME}')`,
    ),
  );
  await t.database.db.execute(
    sql.raw(
      `alter table transcript_segments add constraint edge_test_no_text check (text <> '${SECRET_SENTENCE}')`,
    ),
  );
  callId = await t.insertCall();
});
afterAll(async () => {
  await t?.close();
});

interface LogLine {
  msg: string;
  [key: string]: unknown;
}
const unhandled = (): LogLine[] =>
  t.logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.msg === 'unhandled');

describe('an unexpected database error', () => {
  it('is logged by SQLSTATE, error name and route, never with the caller name', async () => {
    t.logs.length = 0;
    const res = await t.request('/v1/calls', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
      body: JSON.stringify({ siteKey: t.siteKey, name: SECRET_NAME }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 500, code: 'internal' });
    const [line, ...more] = unhandled();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ route: '/v1/calls', method: 'POST', sqlState: '23514' });
    expect(JSON.stringify(line)).toMatch(/PostgresError/);
    expect(t.logs.join('\n')).not.toContain('Quintworth');
  });

  it('is logged without the transcript text it was storing', async () => {
    t.logs.length = 0;
    const res = await t.internal(`/internal/calls/${callId}/segments`, {
      segments: [
        {
          seq: 1,
          speaker: 'visitor',
          text: SECRET_SENTENCE,
          startedAt: '2026-11-20T09:00:00.000Z',
          endedAt: '2026-11-20T09:00:01.000Z',
          source: 'realtime',
        },
      ],
    });
    expect(await errorOf(res)).toMatchObject({ status: 500, code: 'internal' });
    expect(unhandled()[0]).toMatchObject({ route: '/internal/calls/:id/segments', sqlState: '23514' });
    expect(t.logs.join('\n')).not.toContain('4242');
  });
});
