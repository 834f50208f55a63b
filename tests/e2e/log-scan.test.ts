import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropTestDatabase, openDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_logscan_test';
const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'log-scan');
const CALLER_NAME = 'Zelda Quixotic-Marmalade';
/** Said by the visitor and repeated in the reply, so it travels every path a transcript takes. */
const SENTENCE = 'my parcel went to 17 Juniper Lane in Brackenford';
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    { transcriptOfUser: `Hello, ${SENTENCE}`, text: `I see, ${SENTENCE}. Let me check that.` },
    { transcriptOfUser: 'Thanks, goodbye.', text: 'Goodbye!' },
  ],
};

let stack: Stack;
let databaseUrl: string;

/**
 * Valid input that the database still refuses, as a real outage or bug would: the failing
 * statements carry the visitor's name or words as parameters.
 */
async function onTestDatabase(statement: string): Promise<void> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 1 });
  try {
    await database.db.execute(sql.raw(statement));
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  // Log files are appended to: only this run's lines may be judged.
  rmSync(LOG_DIR, { recursive: true, force: true });
  databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: LOG_DIR,
    script,
    siteOrigins: [TEST_ORIGIN],
    // Debug everywhere: the safety net has to hold at the most talkative level too.
    env: { AGENT_JOIN_TIMEOUT_SECONDS: '4', SWEEP_INTERVAL_MS: '500', LOG_LEVEL: 'debug' },
    // Started by the test once the sweeper has met an assistant-less call.
    withAgent: false,
    // The conversation's call must be answered within the 4 s join timeout, after the lone
    // call's two jobs took the first processes: under tsx each start took 4–6 s on a slow host
    // (the call was missed), under the image's bundle (a stack's default under npm test) well
    // under one.
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

function logLines(): { file: string; line: string }[] {
  return readdirSync(LOG_DIR).flatMap((file) =>
    readFileSync(join(LOG_DIR, file), 'utf8')
      .split('\n')
      .map((line) => ({ file, line })),
  );
}

describe('logs', () => {
  it('never carry the caller name, their words, or a secret, even when the database fails', async () => {
    // 1. No assistant yet: past its join timeout the sweeper asks LiveKit who is in the room and
    // records the visitor, name included, which the database refuses.
    await onTestDatabase(
      `alter table call_events add constraint log_scan_no_name check (coalesce(lifecycle->>'name', '') <> '${CALLER_NAME}')`,
    );
    const loneCall = await mintCall(stack.apiUrl, stack.siteKey, { name: CALLER_NAME });
    const loneVisitor = await connectVisitor({ url: loneCall.livekitUrl, token: loneCall.token });
    await eventually(
      'the sweeper to meet the refused insert',
      async () => logLines().find(({ file, line }) => file === 'api.log' && line.includes('sweep failed')),
      { timeoutMs: 15_000 },
    );
    await loneVisitor.hangUp();
    await onTestDatabase('alter table call_events drop constraint log_scan_no_name');

    // 2. A conversation whose words the database refuses to store.
    await onTestDatabase(
      `alter table transcript_segments add constraint log_scan_no_sentence check (position('${SENTENCE}' in text) = 0)`,
    );
    await stack.startAgent();
    const call = await mintCall(stack.apiUrl, stack.siteKey, { name: CALLER_NAME });
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });

    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    const said = await visitor.say(fixture('visitor-1.wav'));
    const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });

    // A forged webhook carrying the visitor's words: rejected, and its body never logged.
    const forged = await fetch(`${stack.apiUrl}/v1/livekit/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: 'forged.jwt.value' },
      body: JSON.stringify({ event: 'room_finished', room: { name: SENTENCE }, note: CALLER_NAME }),
    });
    expect(forged.status).toBe(401);

    await visitor.hangUp();
    await eventually(
      'the call to end',
      async () => {
        const d = await stack.admin<{ status: string }>(`/v1/calls/${call.callId}`);
        return d.status === 'completed' ? d : undefined;
      },
      { timeoutMs: 20_000 },
    );
    // The refused segment batch was really attempted: the API logged a database failure for it.
    await eventually(
      'the API to log the refused segments',
      async () =>
        logLines().find(
          ({ file, line }) =>
            file === 'api.log' && line.includes('/segments') && line.includes('log_scan_no_sentence'),
        ),
      { timeoutMs: 15_000 },
    );
    await stack.stop();

    const secrets = {
      callerName: CALLER_NAME,
      sentence: SENTENCE,
      adminApiKey: stack.adminApiKey,
      internalServiceKey: stack.internalServiceKey,
      livekitSecret: stack.livekit.apiSecret,
      visitorToken: call.token,
      loneVisitorToken: loneCall.token,
    };
    const lines = logLines();
    expect(lines.length).toBeGreaterThan(50);
    const leaks = lines.flatMap(({ file, line }) =>
      Object.entries(secrets)
        .filter(([, value]) => line.includes(value))
        .map(([what]) => `${file}: ${what}: ${line.slice(0, 300)}`),
    );
    // The framework marks what it logs about people; self-hosted, those fields must not land.
    const marked = lines
      .filter(({ line }) => line.includes('"lk.pii.'))
      .map(({ file, line }) => `${file}: ${line.slice(0, 300)}`);
    expect([...leaks, ...marked]).toEqual([]);
  }, 60_000);
});
