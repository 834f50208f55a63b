import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateRoomRequest } from '@livekit/protocol';
import { jwtVerify } from 'jose';
import { TwirpError } from 'livekit-server-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTwirpClient, type TwirpClient } from './livekit-twirp.ts';

const KEY = { apiKey: 'key', apiSecret: 'secret-0123456789-0123456789' };

interface Received {
  path: string;
  authorization: string;
  body: unknown;
}

/** One LiveKit node's Twirp endpoint: records each request and answers with `answer`'s pick. */
async function node(answer: (req: Received) => { status: number; body: unknown } | 'hang') {
  const received: Received[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const got = {
        path: req.url ?? '',
        authorization: req.headers.authorization ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      received.push(got);
      const picked = answer(got);
      if (picked === 'hang') return;
      res.writeHead(picked.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(picked.body));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, connections: () => connections };
}

const open: Server[] = [];
const clients: TwirpClient[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    open.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

function client(url: string, timeoutMs = 5_000) {
  const made = createTwirpClient(url, KEY, timeoutMs);
  clients.push(made);
  return made;
}

const createRoom = (name: string) =>
  new CreateRoomRequest({ name, emptyTimeout: 30, departureTimeout: 20, maxParticipants: 4 }).toJson();

describe('LiveKit Twirp client', () => {
  it("posts the SDK's request: path, protobuf JSON, and a service token with just the grant asked", async () => {
    const lk = await node(() => ({ status: 200, body: { name: 'call-1', sid: 'RM_1' } }));
    const answer = await client(lk.url).call('RoomService', 'CreateRoom', createRoom('call-1'), {
      roomCreate: true,
    });
    expect(answer).toEqual({ name: 'call-1', sid: 'RM_1' });
    const [got] = lk.received;
    expect(got?.path).toBe('/twirp/livekit.RoomService/CreateRoom');
    expect(got?.body).toEqual({ name: 'call-1', emptyTimeout: 30, departureTimeout: 20, maxParticipants: 4 });
    const token = got?.authorization.replace(/^Bearer /, '') ?? '';
    const { payload } = await jwtVerify(token, new TextEncoder().encode(KEY.apiSecret), {
      issuer: KEY.apiKey,
    });
    expect(payload.video).toEqual({ roomCreate: true });
    expect((payload.exp ?? 0) - (payload.nbf ?? 0)).toBe(600);
  });

  it('keeps one connection for calls one after another', async () => {
    const lk = await node(() => ({ status: 200, body: {} }));
    const twirp = client(lk.url);
    for (const name of ['call-1', 'call-2', 'call-3']) {
      await twirp.call('RoomService', 'CreateRoom', createRoom(name), { roomCreate: true });
    }
    expect(lk.received).toHaveLength(3);
    expect(lk.connections()).toBe(1);
  });

  it('signs its token again once it is five minutes old, not for every call', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const lk = await node(() => ({ status: 200, body: {} }));
    const twirp = client(lk.url);
    const call = () => twirp.call('RoomService', 'CreateRoom', createRoom('call-1'), { roomCreate: true });
    await call();
    vi.advanceTimersByTime(299_000);
    await call();
    // Tokens are dated to the second: the new one must differ from the old.
    vi.advanceTimersByTime(2_000);
    await call();
    const [first, second, third] = lk.received.map((r) => r.authorization);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });

  it("throws LiveKit's error answer as the SDK does, with its status, code and message", async () => {
    const lk = await node(() => ({
      status: 404,
      body: { code: 'not_found', msg: 'requested room does not exist' },
    }));
    const failed = await client(lk.url)
      .call('RoomService', 'DeleteRoom', { room: 'gone' }, { roomCreate: true })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(TwirpError);
    expect(failed).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'requested room does not exist',
    });
  });

  it('gives up on a node that does not answer within its timeout', async () => {
    const lk = await node(() => 'hang');
    const started = Date.now();
    await expect(
      client(lk.url, 200).call('RoomService', 'CreateRoom', createRoom('call-1'), { roomCreate: true }),
    ).rejects.toThrow(/did not answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
