import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RECORDING_CONTENT_TYPE,
  type RecordingFinish,
  recordingChunkQuerySchema,
  recordingFinishSchema,
} from '@voicedesk/core';

export interface ReceivedChunk {
  callId: string;
  seq: number;
  startedAt: string;
  durationMs: number;
  bytes: Buffer;
}

/** What the stand-in answers: 200, or a status with an error code (the API's envelope). */
export type RecordingAnswer = { status: 200 } | { status: number; code?: string };

/**
 * Stands where our API would for the recorder: its two internal recording routes and nothing
 * else, checked against the contract in @voicedesk/core. Each request is answered by `answer`,
 * which a test changes to make the API go away or refuse; what it took is in `chunks` (in the
 * order first taken, one per sequence number, as the API stores them) and `finishes`, every
 * attempt in `attempts`.
 */
export async function startRecordingApi(serviceKey: string) {
  const chunks: ReceivedChunk[] = [];
  const finishes: { callId: string; body: RecordingFinish }[] = [];
  const attempts: { route: 'chunk' | 'finish'; seq?: number; status: number }[] = [];
  const contractErrors: string[] = [];
  const api = {
    url: '',
    chunks,
    finishes,
    attempts,
    contractErrors,
    answer: (_route: 'chunk' | 'finish', _seq?: number): RecordingAnswer => ({ status: 200 }),
    close: async () => {},
  };

  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const send = (status: number, code?: string) => {
        const payload = code ? { error: { code, message: code, requestId: 'stand-in' } } : { ok: true };
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${serviceKey}`) return send(401, 'unauthorized');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const chunk = /^\/internal\/calls\/([^/]+)\/recording\/chunks\/(\d+)$/.exec(url.pathname);
      const finish = /^\/internal\/calls\/([^/]+)\/recording\/finish$/.exec(url.pathname);
      if (req.method === 'PUT' && chunk?.[1] && chunk[2]) {
        const seq = Number(chunk[2]);
        const query = recordingChunkQuerySchema.safeParse(Object.fromEntries(url.searchParams));
        if (!query.success || req.headers['content-type'] !== RECORDING_CONTENT_TYPE) {
          contractErrors.push(`chunk ${seq}: ${url.search} ${req.headers['content-type']}`);
          return send(400, 'validation_failed');
        }
        const answer = api.answer('chunk', seq);
        attempts.push({ route: 'chunk', seq, status: answer.status });
        if (answer.status === 200) {
          const taken = { callId: chunk[1], seq, ...query.data, bytes: Buffer.concat(body) };
          // Like the API's store, a chunk sent again replaces the one taken before (the recorder
          // sends again what it cannot know was taken, such as a request cut off by its
          // shutdown); sent again, it must be the same chunk.
          const before = chunks.findIndex((c) => c.callId === taken.callId && c.seq === seq);
          if (before === -1) chunks.push(taken);
          else {
            if (!chunks[before]?.bytes.equals(taken.bytes))
              contractErrors.push(`chunk ${seq}: sent again, changed`);
            chunks[before] = taken;
          }
        }
        return send(answer.status, 'code' in answer ? answer.code : undefined);
      }
      if (req.method === 'POST' && finish?.[1]) {
        const parsed = recordingFinishSchema.safeParse(JSON.parse(Buffer.concat(body).toString('utf8')));
        if (!parsed.success) {
          contractErrors.push(`finish: ${parsed.error.message}`);
          return send(400, 'validation_failed');
        }
        const answer = api.answer('finish');
        attempts.push({ route: 'finish', status: answer.status });
        if (answer.status === 200) finishes.push({ callId: finish[1], body: parsed.data });
        return send(answer.status, 'code' in answer ? answer.code : undefined);
      }
      send(404, 'not_found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}
