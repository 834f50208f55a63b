import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric, Segment, WitnessEvent } from '@voicedesk/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentLogger } from './logger.ts';
import { Reporter } from './reporter.ts';
import { replaySpool } from './spool.ts';

// The API's wire contract, played by a real HTTP server: bearer key, JSON bodies, the error
// envelope, and idempotency by (callId, seq) for segments.

const KEY = 'test-service-key-0123456789';
const SECRET_TEXT = 'my card number is 4111';

interface Received {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

type Handler = (
  req: Received,
  n: number,
) => { status: number; body?: unknown; headers?: Record<string, string> };

interface FakeApi {
  url: string;
  port: number;
  requests: Received[];
  /** First accepted copy per seq, in acceptance order, like the API's (call_id, seq) key. */
  stored: Segment[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text ? JSON.parse(text) : undefined);
    });
  });
}

async function startApi(handler: Handler = () => ({ status: 200 }), port = 0): Promise<FakeApi> {
  const requests: Received[] = [];
  const stored: Segment[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const received: Received = {
      method: req.method ?? '',
      path: req.url ?? '',
      auth: req.headers.authorization,
      body: await readBody(req),
    };
    requests.push(received);
    const reply = handler(received, requests.length);
    if (reply.status === 200 && received.path.endsWith('/segments')) {
      const segments = (received.body as { segments: Segment[] }).segments;
      let accepted = 0;
      for (const segment of segments) {
        if (stored.some((s) => s.seq === segment.seq)) continue;
        stored.push(segment);
        accepted++;
      }
      reply.body ??= { accepted };
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body ?? { accepted: 0 }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    stored,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const api = await startApi();
  await api.close();
  return api.port;
}

function captureLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  const logger: AgentLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function segment(seq: number, text = `utterance ${seq}`): Segment {
  const at = new Date(1_800_000_000_000 + seq * 1000).toISOString();
  return { seq, speaker: seq % 2 ? 'ai' : 'visitor', text, startedAt: at, endedAt: at, source: 'realtime' };
}

function metric(turn: number): Metric {
  return { turn, kind: 'turn', values: { e2eMs: 800 + turn, modelMs: 300, interrupted: false } };
}

let spoolDir: string;
let callId: string;
let api: FakeApi | undefined;
const reporters: Reporter[] = [];

function newReporter(url: string, logger: AgentLogger = captureLogger().logger) {
  const reporter = new Reporter({
    apiUrl: url,
    serviceKey: KEY,
    callId,
    spoolDir,
    logger,
    flushIntervalMs: 20,
    maxBackoffMs: 50,
    timeoutMs: 1_000,
  });
  reporters.push(reporter);
  return reporter;
}

beforeEach(() => {
  spoolDir = mkdtempSync(join(tmpdir(), 'agent-spool-'));
  callId = randomUUID();
});

afterEach(async () => {
  await Promise.all(reporters.splice(0).map((r) => r.close(200)));
  await api?.close();
  api = undefined;
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('Reporter', () => {
  it('posts batches of segments and metrics with the bearer key', async () => {
    api = await startApi();
    const reporter = newReporter(api.url);
    for (let seq = 0; seq < 3; seq++) reporter.addSegment(segment(seq));
    reporter.addMetric(metric(0));
    await reporter.flush();

    const segmentPosts = api.requests.filter((r) => r.path === `/internal/calls/${callId}/segments`);
    const metricPosts = api.requests.filter((r) => r.path === `/internal/calls/${callId}/metrics`);
    expect(segmentPosts).toHaveLength(1);
    expect(metricPosts).toHaveLength(1);
    for (const request of api.requests) {
      expect(request.method).toBe('POST');
      expect(request.auth).toBe(`Bearer ${KEY}`);
    }
    expect(api.stored.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(metricPosts[0]?.body).toEqual({ metrics: [metric(0)] });

    await reporter.close();
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('sends at most 20 items per batch', async () => {
    api = await startApi();
    const reporter = newReporter(api.url);
    for (let seq = 0; seq < 45; seq++) reporter.addSegment(segment(seq));
    await reporter.flush();
    const sizes = api.requests.map((r) => (r.body as { segments: unknown[] }).segments.length);
    expect(sizes).toEqual([20, 20, 5]);
  });

  it('retries through 503s: exactly one accepted copy per seq, in order', async () => {
    api = await startApi((_req, n) =>
      n <= 3 ? { status: 503, body: envelope('internal') } : { status: 200 },
    );
    const reporter = newReporter(api.url);
    for (let seq = 0; seq < 30; seq++) {
      reporter.addSegment(segment(seq));
      if (seq === 12) await new Promise((r) => setTimeout(r, 30));
    }
    await reporter.flush();

    expect(api.stored.map((s) => s.seq)).toEqual([...Array(30).keys()]);
    expect(api.requests.filter((r) => r.path.endsWith('/segments')).length).toBeGreaterThan(3);
    await reporter.close();
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('loses nothing when the API is down while segments are added and comes back later', async () => {
    const port = await freePort();
    const reporter = newReporter(`http://127.0.0.1:${port}`);
    for (let seq = 0; seq < 25; seq++) reporter.addSegment(segment(seq));
    await new Promise((r) => setTimeout(r, 150)); // several failed attempts
    api = await startApi(undefined, port);
    await reporter.flush();
    expect(api.stored.map((s) => s.seq)).toEqual([...Array(25).keys()]);
  });

  it('leaves unacknowledged batches in the spool at close, and a replay delivers them', async () => {
    const port = await freePort();
    const { logger, lines } = captureLogger();
    const reporter = newReporter(`http://127.0.0.1:${port}`, logger);
    for (let seq = 0; seq < 23; seq++) reporter.addSegment(segment(seq, SECRET_TEXT));
    reporter.addMetric(metric(1));
    expect(await reporter.endCall('assistant_ended', 200)).toBe(false);
    await reporter.close(100);
    expect(existsSync(reporter.spoolPath)).toBe(true);

    api = await startApi(undefined, port);
    const summary = await replaySpool({
      dir: spoolDir,
      api: { apiUrl: api.url, serviceKey: KEY },
      logger,
    });
    expect(summary).toMatchObject({ files: 1, acked: 4, dropped: 0, remaining: 0 });
    expect(api.stored.map((s) => s.seq)).toEqual([...Array(23).keys()]);
    const paths = api.requests.map((r) => r.path.split('/').at(-1));
    // The end goes last, after the transcript it closes.
    expect(paths).toEqual(['segments', 'segments', 'metrics', 'end']);
    expect(api.requests.at(-1)?.body).toEqual({ reason: 'assistant_ended' });
    expect(readdirSync(spoolDir)).toEqual([]);
    // Transcript text never reaches the logs.
    expect(JSON.stringify(lines)).not.toContain(SECRET_TEXT);
  });

  it('drops a batch the API refuses with 400 after one attempt, logging it as an error', async () => {
    api = await startApi(() => ({ status: 400, body: envelope('validation_failed', 'segments.0.text') }));
    const { logger, lines } = captureLogger();
    const reporter = newReporter(api.url, logger);
    reporter.addSegment(segment(0, SECRET_TEXT));
    await reporter.flush();
    await new Promise((r) => setTimeout(r, 100));

    expect(api.requests).toHaveLength(1);
    const error = lines.find((l) => l.level === 'error');
    expect(error?.obj).toMatchObject({ status: 400, code: 'validation_failed', field: 'segments.0.text' });
    expect(JSON.stringify(lines)).not.toContain(SECRET_TEXT);
    await reporter.close();
    // Dropped is settled: nothing left to replay.
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('retries 408 and 429 (honouring Retry-After) but not 404', async () => {
    api = await startApi((req, n) => {
      if (req.path.endsWith('/metrics')) return { status: 404, body: envelope('call_not_found') };
      if (n === 1) return { status: 408 };
      if (n === 2) return { status: 429, headers: { 'retry-after': '0' } };
      return { status: 200 };
    });
    const reporter = newReporter(api.url);
    reporter.addSegment(segment(0));
    await reporter.flush();
    reporter.addMetric(metric(0));
    await reporter.flush();
    expect(api.requests.filter((r) => r.path.endsWith('/segments'))).toHaveLength(3);
    expect(api.requests.filter((r) => r.path.endsWith('/metrics'))).toHaveLength(1);
    expect(api.stored).toHaveLength(1);
  });

  it('keeps a batch refused with 401 (a key rotation) and delivers it once the key works', async () => {
    api = await startApi((_req, n) =>
      n <= 2 ? { status: 401, body: envelope('unauthorized') } : { status: 200 },
    );
    const reporter = newReporter(api.url);
    for (let seq = 0; seq < 3; seq++) reporter.addSegment(segment(seq));
    await reporter.flush();
    expect(api.requests).toHaveLength(3);
    expect(api.stored.map((s) => s.seq)).toEqual([0, 1, 2]);
  });

  it.each([
    [403, 'forbidden'],
    [400, 'unsupported_media_type'],
    [404, 'not_found'],
    [404, null],
    [409, 'conflict'],
    [413, 'payload_too_large'],
    [422, 'conflict'],
  ])('retries a %i answered with code %s: only named permanent rejections drop', async (status, code) => {
    api = await startApi((_req, n) =>
      n === 1 ? { status, body: code ? envelope(code) : {} } : { status: 200 },
    );
    const reporter = newReporter(api.url);
    reporter.addSegment(segment(0));
    await reporter.flush();
    expect(api.requests).toHaveLength(2);
    expect(api.stored).toHaveLength(1);
  });

  it.each([
    [400, 'validation_failed'],
    [404, 'call_not_found'],
    [422, 'validation_failed'],
  ])('drops a batch answered %i %s after one attempt', async (status, code) => {
    api = await startApi(() => ({ status, body: envelope(code) }));
    const { logger, lines } = captureLogger();
    const reporter = newReporter(api.url, logger);
    reporter.addMetric(metric(0));
    await reporter.flush();
    expect(api.requests).toHaveLength(1);
    expect(lines.find((l) => l.level === 'error')?.obj).toMatchObject({ status, code, requestId: 'req_1' });
  });

  it('leaves batches and the end refused with 401 in the spool at close, for the replayer', async () => {
    api = await startApi(() => ({ status: 401, body: envelope('unauthorized') }));
    const reporter = newReporter(api.url);
    reporter.addSegment(segment(0));
    reporter.addMetric(metric(0));
    expect(await reporter.endCall('visitor_hung_up', 300)).toBe(false);
    await reporter.close(100);
    expect(existsSync(reporter.spoolPath)).toBe(true);
    await api.close();

    api = await startApi();
    const summary = await replaySpool({
      dir: spoolDir,
      api: { apiUrl: api.url, serviceKey: KEY },
      logger: captureLogger().logger,
    });
    expect(summary).toMatchObject({ files: 1, acked: 3, dropped: 0, remaining: 0 });
    expect(api.requests.map((r) => r.path.split('/').at(-1))).toEqual(['segments', 'metrics', 'end']);
  });

  it('keeps sending segments while a metrics batch is being retried', async () => {
    api = await startApi((req) =>
      req.path.endsWith('/metrics') ? { status: 503, body: envelope('internal') } : { status: 200 },
    );
    const reporter = newReporter(api.url);
    reporter.addMetric(metric(0));
    await new Promise((r) => setTimeout(r, 60));
    for (let seq = 0; seq < 45; seq++) reporter.addSegment(segment(seq));
    await waitFor(() => api?.stored.length === 45);
    expect(api.stored.map((s) => s.seq)).toEqual([...Array(45).keys()]);
    // Only the metrics batch is still owed (the last segments answer may still be on its way).
    await waitFor(() => reporter.unsettled === 1);
    // Its retry comes on its own backoff: the 45 segments may all be taken before it.
    const metricsAttempts = () => api?.requests.filter((r) => r.path.endsWith('/metrics')).length ?? 0;
    await waitFor(() => metricsAttempts() > 1).catch(() => {});
    expect(metricsAttempts()).toBeGreaterThan(1);
  });

  it('posts witness events on their own lane, which a refusing witness route does not hold segments behind', async () => {
    let witnessUp = false;
    api = await startApi((req) =>
      req.path.endsWith('/witness') && !witnessUp
        ? { status: 404, body: envelope('not_found') }
        : { status: 200 },
    );
    const reporter = newReporter(api.url);
    const witness = () => api?.requests.filter((r) => r.path === `/internal/calls/${callId}/witness`) ?? [];
    reporter.addWitness(joined('PA_v1'));
    reporter.addSegment(segment(0));
    // Each batch's first send waits for its own fsynced spool line, so on a slow disk the segment
    // can be stored before the witness batch is first sent: wait for the refusal as well.
    await waitFor(() => api?.stored.length === 1 && witness().length > 0);
    witnessUp = true;
    reporter.addWitness({
      ...joined('PA_v1'),
      type: 'participant_left',
      joinedAt: joined('PA_v1').at,
      cause: 'self',
    });
    await reporter.flush();

    expect(witness().length).toBeGreaterThan(2);
    expect(witness().at(-2)?.body).toEqual({ events: [joined('PA_v1')] });
    expect(witness().at(-1)?.body).toMatchObject({
      events: [{ type: 'participant_left', cause: 'self' }],
    });
    await reporter.close();
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('lets an in-flight end request land when the job closes underneath it', async () => {
    // The API deletes the room (shutting the job down) before it answers the end request.
    api = await startApi();
    const slow = await startSlowEndApi(api, 300);
    const reporter = newReporter(slow.url);
    reporter.addSegment(segment(0));
    const ended = reporter.endCall('max_duration', 5_000);
    await new Promise((r) => setTimeout(r, 50));
    await reporter.close(50);
    expect(await ended).toBe(true);
    expect(readdirSync(spoolDir)).toEqual([]);
    await slow.close();
  });

  it('rejects items that break the contract without sending them', async () => {
    api = await startApi();
    const { logger, lines } = captureLogger();
    const reporter = newReporter(api.url, logger);
    reporter.addSegment({ ...segment(0), speaker: 'someone' });
    await reporter.flush();
    expect(api.requests).toHaveLength(0);
    expect(lines.find((l) => l.level === 'error')?.obj).toMatchObject({ paths: ['speaker'] });
  });
});

describe('replaySpool', () => {
  it('delivers the other lanes of a file past a segments batch that keeps failing', async () => {
    const port = await freePort();
    const reporter = newReporter(`http://127.0.0.1:${port}`);
    reporter.addSegment(segment(0));
    reporter.addMetric(metric(0));
    reporter.addWitness(joined('PA_v1'));
    expect(await reporter.endCall('assistant_ended', 200)).toBe(false);
    await reporter.close(50);

    api = await startApi((req) =>
      req.path.endsWith('/segments') ? { status: 503, body: envelope('internal') } : { status: 200 },
    );
    const summary = await replaySpool({
      dir: spoolDir,
      api: { apiUrl: api.url, serviceKey: KEY },
      logger: captureLogger().logger,
      attemptsPerBatch: 2,
      maxBackoffMs: 10,
    });
    expect(summary).toMatchObject({ files: 1, acked: 3, dropped: 0, remaining: 1 });
    const delivered = api.requests
      .filter((r) => !r.path.endsWith('/segments'))
      .map((r) => r.path.split('/').at(-1));
    expect(delivered).toEqual(['metrics', 'witness', 'end']);
    expect(readdirSync(spoolDir)).toHaveLength(1);
  });

  it('keeps a spooled batch refused with 401 for the next run', async () => {
    const port = await freePort();
    const reporter = newReporter(`http://127.0.0.1:${port}`);
    reporter.addSegment(segment(0));
    await reporter.close(50);

    api = await startApi(() => ({ status: 401, body: envelope('unauthorized') }));
    const options = {
      dir: spoolDir,
      api: { apiUrl: api.url, serviceKey: KEY },
      logger: captureLogger().logger,
      attemptsPerBatch: 1,
    };
    expect(await replaySpool(options)).toMatchObject({ acked: 0, dropped: 0, remaining: 1 });
    await api.close();
    api = await startApi();
    expect(await replaySpool({ ...options, api: { apiUrl: api.url, serviceKey: KEY } })).toMatchObject({
      acked: 1,
      remaining: 0,
    });
    expect(api.stored.map((s) => s.seq)).toEqual([0]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function joined(sid: string): WitnessEvent {
  return {
    type: 'participant_joined',
    at: '2026-11-25T10:00:00.001Z',
    sid,
    identity: 'visitor-0193',
    kind: 'visitor',
  };
}

function envelope(code: string, field?: string) {
  return { error: { code, message: 'refused', requestId: 'req_1', ...(field ? { field } : {}) } };
}

/** Proxies to `api`, answering /end only after `delayMs`. */
async function startSlowEndApi(api: FakeApi, delayMs: number) {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url?.endsWith('/end')) await new Promise((r) => setTimeout(r, delayMs));
    const upstream = await fetch(`${api.url}${req.url}`, {
      method: req.method,
      headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
