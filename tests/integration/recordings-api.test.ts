/**
 * Recordings, as the API keeps them: the recorder is asked to join, its chunks become one object,
 * a recorder that falls silent leaves a `partial`, links expire, erasure and retention remove
 * exactly what they should, and LiveKit Egress is asked for the right file and kept true by its
 * signed webhooks. Real Postgres and a real file store; LiveKit's room service and the recorder
 * are local stand-ins that record what the API sends them.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditLog, callJobs, recordings, sites, voiceCalls } from '@voicedesk/db';
import { signWebhook } from '@voicedesk/testkit';
import { and, eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, eraseCall } from '../../apps/api/src/services/call-erasure.ts';
import { createLivekitGateway } from '../../apps/api/src/services/livekit-gateway.ts';
import { signRecordingLink } from '../../apps/api/src/services/recording-links.ts';
import { chunkKey } from '../../apps/api/src/services/recordings.ts';
import { sweepOnce } from '../../apps/api/src/services/sweeper.ts';
import { errorOf, type RouteApp, startRouteApp, TEST_ORIGIN } from '../../apps/api/src/testing/route-app.ts';
import { eventually } from '../support/poll.ts';

interface Captured {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** An HTTP server that answers 200 `{}` (or what `answer` says) and keeps every request. */
async function standIn(
  answer: (req: IncomingMessage) => { status: number; body: unknown } = () => ({ status: 200, body: {} }),
) {
  const seen: Captured[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      seen.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: raw ? JSON.parse(raw) : {},
      });
      const { status, body } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const LIVEKIT = { apiKey: 'devkey', apiSecret: 'recordings-test-secret-0123456789abcdef' };
const at = (ms: number) => new Date(Date.parse('2026-11-25T10:00:00Z') + ms).toISOString();

/** Two Ogg-looking chunks: the API treats them as bytes, so their content is ours to choose. */
const CHUNKS = [Buffer.from('OggS-chunk-zero-'.repeat(64)), Buffer.from('OggS-chunk-one-'.repeat(40))];

function putChunk(
  t: RouteApp,
  callId: string,
  seq: number,
  body: Buffer,
  key = t.deps.config.internalServiceKey,
) {
  return t.request(
    `/internal/calls/${callId}/recording/chunks/${seq}?startedAt=${at(0)}&durationMs=${(seq + 1) * 10_000}`,
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'audio/ogg' },
      body: new Uint8Array(body),
    },
  );
}

const admin = (t: RouteApp, path: string, method = 'GET') =>
  t.request(path, { method, headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` } });

describe('built-in recorder', () => {
  let t: RouteApp;
  let recorder: Awaited<ReturnType<typeof standIn>>;
  beforeAll(async () => {
    recorder = await standIn(() => ({ status: 202, body: { accepted: true } }));
    const real = createLivekitGateway({
      urls: ['ws://127.0.0.1:9'],
      publicUrl: 'ws://127.0.0.1:9',
      ...LIVEKIT,
    });
    t = await startRouteApp('recordings', {
      env: {
        RECORDING_MODE: 'builtin',
        RECORDER_URL: recorder.url,
        RECORDING_STALL_SECONDS: '1',
        // More calls from the test's one address than a visitor's limit allows in a minute.
        CALL_RATE_LIMIT_PER_MINUTE: '100',
      },
      livekit: { mintRecorderToken: real.mintRecorderToken },
    });
  });
  afterAll(async () => {
    await t?.close();
    await recorder?.close();
  });

  /** The visitor hangs up: the call ends, so it may be erased. */
  async function hangUp(call: { callId: string; visitorKey: string }) {
    const res = await t.request(`/v1/calls/${call.callId}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.visitorKey}`, origin: TEST_ORIGIN },
    });
    expect(res.status).toBeLessThan(300);
  }

  async function completedRecording() {
    const call = await t.mintCall();
    await eventually('the recorder to be asked', async () =>
      recorder.seen.some((r) => r.body.callId === call.callId) ? true : undefined,
    );
    for (const [seq, chunk] of CHUNKS.entries())
      expect((await putChunk(t, call.callId, seq, chunk)).status).toBe(200);
    const finish = await t.internal(`/internal/calls/${call.callId}/recording/finish`, {
      startedAt: at(0),
      chunks: CHUNKS.length,
      durationMs: 20_000,
      bytes: Buffer.concat(CHUNKS).length,
      speechOnsets: { left: [4_000], right: [1_400, 9_000] },
    });
    expect(finish.status).toBe(200);
    return call;
  }

  it('asks the recorder to join at mint time, with a hidden, subscribe-only token for that one room', async () => {
    const call = await t.mintCall();
    const asked = await eventually('the recorder to be asked', async () =>
      recorder.seen.find((r) => r.body.callId === call.callId),
    );
    expect(asked.path).toBe('/recordings');
    expect(asked.authorization).toBe(`Bearer ${t.deps.config.internalServiceKey}`);
    expect(asked.body.roomName).toBe(call.roomName);
    const claims = decodeJwt(String(asked.body.token)) as { sub?: string; video?: Record<string, unknown> };
    expect(claims.sub).toBe(`recorder-${call.callId}`);
    expect(claims.video).toMatchObject({
      room: call.roomName,
      roomJoin: true,
      canPublish: false,
      canSubscribe: true,
      canPublishData: false,
      hidden: true,
    });
    const [row] = await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId));
    expect(row).toMatchObject({ mode: 'builtin', status: 'active', storage: 'files' });
  });

  it('joins the chunks into one object and lists it, with every line placed where its speech starts', async () => {
    const call = await completedRecording();
    const joined = await t.deps.storage.get(`recordings/${call.callId}.ogg`);
    expect(Buffer.concat(await (joined?.body.toArray() ?? []))).toEqual(Buffer.concat(CHUNKS));
    // The chunks are gone once joined.
    expect(await t.deps.storage.size(chunkKey(call.callId, 0))).toBeNull();
    const stored = await t.internal(`/internal/calls/${call.callId}/segments`, {
      segments: [
        {
          seq: 0,
          speaker: 'ai',
          text: 'Hello',
          startedAt: at(1_250),
          endedAt: at(2_000),
          source: 'realtime',
        },
        {
          seq: 1,
          speaker: 'visitor',
          text: 'Hi',
          startedAt: at(6_000),
          endedAt: at(7_000),
          source: 'realtime',
        },
      ],
    });
    expect(stored.status, await stored.clone().text()).toBe(200);
    const detail = (await (await admin(t, `/v1/calls/${call.callId}`)).json()) as {
      recording: Record<string, unknown>;
      segments: { offsetMs: number }[];
    };
    expect(detail.recording).toMatchObject({
      status: 'complete',
      mode: 'builtin',
      contentType: 'audio/ogg',
      bytes: Buffer.concat(CHUNKS).length,
      durationMs: 20_000,
      startedAt: at(0),
    });
    // Snapped to where the recorder heard speech start on that speaker's channel, when one is near.
    expect(detail.segments.map((seg) => seg.offsetMs)).toEqual([1_400, 6_000]);
    expect(detail.recording).not.toHaveProperty('speechOnsets');
  });

  it('refuses chunks without the service key, of another type, or after the recording closed', async () => {
    const call = await completedRecording();
    expect((await putChunk(t, call.callId, 2, CHUNKS[0] as Buffer, 'x'.repeat(40))).status).toBe(401);
    const wrongType = await t.request(
      `/internal/calls/${call.callId}/recording/chunks/2?startedAt=${at(0)}&durationMs=1`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${t.deps.config.internalServiceKey}`,
          'content-type': 'application/json',
        },
        body: '{}',
      },
    );
    expect(await errorOf(wrongType)).toMatchObject({ status: 415, field: 'content-type' });
    const late = await putChunk(t, call.callId, 2, CHUNKS[0] as Buffer);
    expect(await errorOf(late)).toMatchObject({ status: 409, code: 'recording_closed' });
  });

  it('closes a recording whose recorder fell silent as partial, with what arrived, once the call ended', async () => {
    const call = await t.mintCall();
    await eventually('the recorder to be asked', async () =>
      recorder.seen.some((r) => r.body.callId === call.callId) ? true : undefined,
    );
    expect((await putChunk(t, call.callId, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    await sweepOnce(t.deps);
    // The call is still on: the recorder may only be between chunks.
    expect(
      (await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId)))[0]?.status,
    ).toBe('active');
    await t.database.db
      .update(voiceCalls)
      .set({ status: 'completed', connectedAt: new Date(), endedAt: new Date() })
      .where(eq(voiceCalls.id, call.callId));
    const row = await eventually('the sweeper to close it', async () => {
      await sweepOnce(t.deps);
      const [r] = await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId));
      return r?.status === 'active' ? undefined : r;
    });
    expect(row).toMatchObject({ status: 'partial', bytes: CHUNKS[0]?.length });
    const joined = await t.deps.storage.get(`recordings/${call.callId}.ogg`);
    expect(Buffer.concat(await (joined?.body.toArray() ?? []))).toEqual(CHUNKS[0]);
  });

  it('gives a signed link that plays with Range, expires, and is audited; no link without the key', async () => {
    const call = await completedRecording();
    expect((await t.request(`/v1/calls/${call.callId}/recording`)).status).toBe(401);
    const res = await admin(t, `/v1/calls/${call.callId}/recording`);
    expect(res.status).toBe(200);
    const link = (await res.json()) as { url: string; expiresAt: string };
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const path = new URL(link.url).pathname;
    const part = await t.request(path, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-9/${Buffer.concat(CHUNKS).length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.concat(CHUNKS).subarray(0, 10));
    const whole = await t.request(path);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(Buffer.concat(CHUNKS));

    const key = t.deps.config.internalServiceKey;
    const expired = signRecordingLink(call.callId, new Date(Date.now() - 1000), key);
    expect(await errorOf(await t.request(`/v1/recordings/${expired}`))).toMatchObject({ status: 403 });
    const forged = `${link.url.split('/').pop()?.slice(0, -4)}AAAA`;
    expect((await t.request(`/v1/recordings/${forged}`)).status).toBe(403);
    const audits = await t.database.db.select().from(auditLog).where(eq(auditLog.callId, call.callId));
    expect(audits.map((a) => [a.actor, a.action])).toEqual([['admin-key', 'recording.url']]);
  });

  it('exports a call with its audio, and erases it everywhere; both audited', async () => {
    const call = await completedRecording();
    const exported = (await (await admin(t, `/v1/calls/${call.callId}/export`)).json()) as {
      call: { id: string };
      audio: { base64: string };
    };
    expect(exported.call.id).toBe(call.callId);
    expect(Buffer.from(exported.audio.base64, 'base64')).toEqual(Buffer.concat(CHUNKS));
    await hangUp(call);

    const erased = await admin(t, `/v1/calls/${call.callId}`, 'DELETE');
    expect(erased.status).toBe(200);
    expect(await t.deps.storage.size(`recordings/${call.callId}.ogg`)).toBeNull();
    expect(await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, call.callId))).toEqual([]);
    expect((await admin(t, `/v1/calls/${call.callId}`)).status).toBe(404);
    const audits = await t.database.db.select().from(auditLog).where(eq(auditLog.callId, call.callId));
    expect(audits.map((a) => a.action).sort()).toEqual(['call.delete', 'call.export']);

    const live = await t.mintCall();
    expect(await errorOf(await admin(t, `/v1/calls/${live.callId}`, 'DELETE'))).toMatchObject({
      status: 409,
    });
  });

  it('retention erases the calls that expired, and only those', async () => {
    const old = await completedRecording();
    const recent = await completedRecording();
    const day = 86_400_000;
    await t.database.db.update(sites).set({ retentionDays: 7 });
    for (const [id, ago] of [
      [old.callId, 10 * day],
      [recent.callId, 1 * day],
    ] as const) {
      const endedAt = new Date(Date.now() - ago);
      await t.database.db
        .update(voiceCalls)
        .set({ status: 'completed', endedAt })
        .where(eq(voiceCalls.id, id));
    }
    await applyRetention(t.deps);
    expect(await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, old.callId))).toEqual([]);
    expect(await t.deps.storage.size(`recordings/${old.callId}.ogg`)).toBeNull();
    expect(
      (await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, recent.callId))).length,
    ).toBe(1);
    expect(await t.deps.storage.size(`recordings/${recent.callId}.ogg`)).toBe(Buffer.concat(CHUNKS).length);
    const [entry] = await t.database.db.select().from(auditLog).where(eq(auditLog.callId, old.callId));
    expect(entry).toMatchObject({ actor: 'system:retention', action: 'retention.delete' });
    await t.database.db.update(sites).set({ retentionDays: null });
    await expect(
      eraseCall(t.deps, old.callId, { actor: 'admin-key', action: 'call.delete' }),
    ).rejects.toThrow();
  });

  it("sends the site's recording notice to the widget while recording is on", async () => {
    await t.database.db.update(sites).set({ recordingNotice: 'This call is recorded to help us improve.' });
    const config = (await (await t.request(`/v1/sites/${t.siteKey}/config`)).json()) as {
      recording: unknown;
    };
    expect(config.recording).toEqual({ enabled: true, notice: 'This call is recorded to help us improve.' });
  });

  it("tells the visitor in the call's own answer whether it is recorded, with the site's notice", async () => {
    // The widget shows what the call's answer says: the site's settings it loaded with the page
    // may be missing (pressed before they arrived) or out of date (changed since).
    await t.database.db.update(sites).set({ recordingNotice: 'Calls are recorded for training.' });
    const recorded = (await t.mintCall()) as { recording?: unknown };
    expect(recorded.recording).toEqual({ enabled: true, notice: 'Calls are recorded for training.' });
    await t.database.db.update(sites).set({ recordingEnabled: false });
    try {
      const unrecorded = (await t.mintCall()) as { recording?: unknown };
      expect(unrecorded.recording).toEqual({ enabled: false, notice: null });
    } finally {
      await t.database.db.update(sites).set({ recordingEnabled: true });
    }
  });

  it('records nothing for a site with recording off: no request, no row', async () => {
    await t.database.db.update(sites).set({ recordingEnabled: false });
    try {
      const call = await t.mintCall();
      await new Promise((r) => setTimeout(r, 300));
      expect(recorder.seen.filter((r) => r.body.callId === call.callId)).toEqual([]);
      expect(await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId))).toEqual(
        [],
      );
      const config = (await (await t.request(`/v1/sites/${t.siteKey}/config`)).json()) as {
        recording: unknown;
      };
      expect(config.recording).toEqual({ enabled: false, notice: null });
      // The call's record says why it has no recording.
      const detail = (await (await admin(t, `/v1/calls/${call.callId}`)).json()) as Record<string, unknown>;
      expect(detail).toMatchObject({ recordingAnnounced: false, recording: null });
    } finally {
      await t.database.db.update(sites).set({ recordingEnabled: true });
    }
  });
});

describe('LiveKit Egress', () => {
  let t: RouteApp;
  let livekit: Awaited<ReturnType<typeof standIn>>;
  const S3 = {
    S3_ENDPOINT: 'http://minio.internal:9000',
    S3_BUCKET: 'voicedesk-recordings',
    S3_REGION: 'eu-west-1',
    S3_ACCESS_KEY_ID: 'egress-access-key',
    S3_SECRET_ACCESS_KEY: 'egress-secret-key-0123456789',
    S3_FORCE_PATH_STYLE: 'true',
  };
  let egressN = 0;
  beforeAll(async () => {
    livekit = await standIn(() => ({
      status: 200,
      body: { egressId: `EG_test${++egressN}`, status: 'EGRESS_STARTING' },
    }));
    const real = createLivekitGateway({ urls: [livekit.url], publicUrl: livekit.url, ...LIVEKIT });
    t = await startRouteApp('recordings_egress', {
      env: {
        RECORDING_MODE: 'egress',
        ...S3,
        LIVEKIT_API_KEY: LIVEKIT.apiKey,
        LIVEKIT_API_SECRET: LIVEKIT.apiSecret,
      },
      livekit: { startAudioEgress: real.startAudioEgress, receiveWebhook: real.receiveWebhook },
    });
  });
  afterAll(async () => {
    await t?.close();
    await livekit?.close();
  });

  /** Connected: the assistant and the visitor are both in the room (as the agent witnessed it). */
  async function connectedCall(minted?: Awaited<ReturnType<RouteApp['mintCall']>>) {
    const call = minted ?? (await t.mintCall());
    const now = new Date().toISOString();
    const tag = call.callId.slice(-12);
    const joined = await t.internal(`/internal/calls/${call.callId}/witness`, {
      events: [
        { type: 'participant_joined', at: now, sid: `PA_ai${tag}`, identity: `agent-${tag}`, kind: 'ai' },
        {
          type: 'participant_joined',
          at: now,
          sid: `PA_v${tag}`,
          identity: `visitor-${call.callId}`,
          kind: 'visitor',
        },
      ],
    });
    expect(joined.status).toBe(200);
    return call;
  }

  async function webhook(event: Record<string, unknown>, secret = LIVEKIT.apiSecret) {
    const body = JSON.stringify(event);
    const authorization = await signWebhook(body, { apiKey: LIVEKIT.apiKey, apiSecret: secret });
    return t.request('/v1/livekit/webhook', {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/webhook+json' },
      body,
    });
  }

  it('starts an audio-only room composite to S3 as Ogg when the call connects, field by field', async () => {
    const call = await connectedCall();
    const request = await eventually('the egress request', async () =>
      livekit.seen.find(
        (r) => r.path.endsWith('/StartRoomCompositeEgress') && r.body.roomName === call.roomName,
      ),
    );
    expect(request.path).toBe('/twirp/livekit.Egress/StartRoomCompositeEgress');
    const claims = decodeJwt(String(request.authorization?.replace(/^Bearer /, ''))) as {
      video?: Record<string, unknown>;
    };
    expect(claims.video?.roomRecord).toBe(true);
    expect(request.body).toMatchObject({ roomName: call.roomName, audioOnly: true });
    const outputs = request.body.fileOutputs as Record<string, unknown>[];
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toEqual({
      fileType: 'OGG',
      filepath: `recordings/${call.callId}.ogg`,
      s3: {
        accessKey: S3.S3_ACCESS_KEY_ID,
        secret: S3.S3_SECRET_ACCESS_KEY,
        region: S3.S3_REGION,
        endpoint: S3.S3_ENDPOINT,
        bucket: S3.S3_BUCKET,
        forcePathStyle: true,
      },
    });
    const [row] = await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId));
    expect(row).toMatchObject({ mode: 'egress', status: 'active', storage: 's3', bucket: S3.S3_BUCKET });
    expect(row?.egressId).toMatch(/^EG_test/);
  });

  it('records a call only if its visitor was told so: recording turned on while it waits starts nothing', async () => {
    // Egress starts when the call connects, seconds after the visitor was told it is not recorded.
    await t.database.db.update(sites).set({ recordingEnabled: false });
    let minted: Awaited<ReturnType<RouteApp['mintCall']>>;
    try {
      minted = await t.mintCall();
    } finally {
      await t.database.db.update(sites).set({ recordingEnabled: true });
    }
    const call = await connectedCall(minted);
    await eventually('the start job to have run', async () => {
      const [job] = await t.database.db
        .select({ doneAt: callJobs.doneAt })
        .from(callJobs)
        .where(and(eq(callJobs.callId, call.callId), eq(callJobs.kind, 'start_recording')));
      return job?.doneAt ?? undefined;
    });
    const egressFor = (roomName: string) =>
      livekit.seen.filter(
        (r) => r.path.endsWith('/StartRoomCompositeEgress') && r.body.roomName === roomName,
      );
    expect(egressFor(call.roomName)).toEqual([]);
    expect(await t.database.db.select().from(recordings).where(eq(recordings.callId, call.callId))).toEqual(
      [],
    );
    // A call minted while the site records is recorded as its visitor was told.
    const told = await connectedCall();
    await eventually('the egress request', async () => egressFor(told.roomName)[0]);
  });

  it('keeps the row true from signed egress webhooks: success, failure, replay, forgery', async () => {
    const ok = await connectedCall();
    const okRow = await eventually('the egress id', async () => {
      const [r] = await t.database.db.select().from(recordings).where(eq(recordings.callId, ok.callId));
      return r?.egressId ? r : undefined;
    });
    const startedNs = String(Date.parse(at(0)) * 1_000_000);
    const ended = {
      event: 'egress_ended',
      id: `EV_end_${ok.callId}`,
      createdAt: String(Math.floor(Date.now() / 1000)),
      egressInfo: {
        egressId: okRow.egressId,
        roomName: ok.roomName,
        status: 'EGRESS_COMPLETE',
        startedAt: startedNs,
        fileResults: [
          {
            filename: `recordings/${ok.callId}.ogg`,
            size: '48213',
            duration: '12500000000',
            startedAt: startedNs,
          },
        ],
      },
    };
    expect((await webhook(ended)).status).toBe(200);
    const [done] = await t.database.db.select().from(recordings).where(eq(recordings.callId, ok.callId));
    expect(done).toMatchObject({ status: 'complete', bytes: 48213, durationMs: 12_500 });
    expect(done?.startedAt?.toISOString()).toBe(at(0));

    // A replay is the same event again; a late update cannot reopen a closed recording.
    const replay = await webhook(ended);
    expect(await replay.json()).toMatchObject({ duplicate: true });
    await webhook({
      ...ended,
      event: 'egress_updated',
      id: `EV_upd_${ok.callId}`,
      egressInfo: { ...ended.egressInfo, status: 'EGRESS_ACTIVE' },
    });
    expect(
      (await t.database.db.select().from(recordings).where(eq(recordings.callId, ok.callId)))[0]?.status,
    ).toBe('complete');

    const bad = await connectedCall();
    const badRow = await eventually('the egress id', async () => {
      const [r] = await t.database.db.select().from(recordings).where(eq(recordings.callId, bad.callId));
      return r?.egressId ? r : undefined;
    });
    const failed = {
      event: 'egress_ended',
      id: `EV_fail_${bad.callId}`,
      createdAt: String(Math.floor(Date.now() / 1000)),
      egressInfo: {
        egressId: badRow.egressId,
        roomName: bad.roomName,
        status: 'EGRESS_FAILED',
        error: 'upload failed: 403',
      },
    };
    // Forged (another secret): refused, nothing changes.
    expect((await webhook(failed, 'not-the-livekit-secret-0123456789abcdef')).status).toBe(401);
    expect(
      (await t.database.db.select().from(recordings).where(eq(recordings.callId, bad.callId)))[0]?.status,
    ).toBe('active');
    expect((await webhook(failed)).status).toBe(200);
    const [gone] = await t.database.db.select().from(recordings).where(eq(recordings.callId, bad.callId));
    expect(gone).toMatchObject({ status: 'failed', error: 'upload failed: 403' });

    // The stored event keeps no storage credential.
    const detail = JSON.stringify(await (await admin(t, `/v1/calls/${ok.callId}`)).json());
    expect(detail).not.toContain(S3.S3_SECRET_ACCESS_KEY);
  });
});
