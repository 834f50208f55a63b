import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createLivekitGateway } from './livekit-gateway.ts';

/** A stand-in for one LiveKit node's room service: answers each Twirp method from a table. */
interface FakeNode {
  url: string;
  calls: string[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function fakeNode(answers: Record<string, { status: number; body: unknown }>): Promise<FakeNode> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const method = req.url?.split('/').at(-1) ?? '';
    calls.push(method);
    req.resume();
    req.on('end', () => {
      const answer = answers[method] ?? { status: 500, body: { code: 'internal', msg: 'no answer' } };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on: connections are refused at once, like a killed node's. */
async function deadUrl(): Promise<string> {
  const node = await fakeNode({});
  await node.close();
  servers.pop();
  return node.url;
}

const gateway = (urls: string[]) =>
  createLivekitGateway({
    urls,
    publicUrl: 'wss://lb.example',
    apiKey: 'key',
    apiSecret: 'secret-0123456789',
  });

const rooms = (...names: string[]) => ({ status: 200, body: { rooms: names.map((name) => ({ name })) } });

describe('LiveKit gateway across several nodes', () => {
  it('answers from the next node when the first is dead', async () => {
    const live = await fakeNode({ ListRooms: rooms('call-1') });
    const lk = gateway([await deadUrl(), live.url]);
    expect(await lk.existingRooms(['call-1', 'call-2'])).toEqual(new Set(['call-1']));
    await expect(lk.ping()).resolves.toBeUndefined();
    expect(live.calls).toEqual(['ListRooms', 'ListRooms']);
  });

  it('creates rooms and reads participants through a live node while another is dead', async () => {
    const live = await fakeNode({
      CreateRoom: { status: 200, body: { name: 'call-1' } },
      ListParticipants: { status: 200, body: { participants: [{ sid: 'PA_1', identity: 'visitor-1' }] } },
      DeleteRoom: { status: 200, body: {} },
    });
    const lk = gateway([await deadUrl(), live.url]);
    await lk.createCallRoom('call-1', { emptyTimeoutSeconds: 30, agentName: 'a', dispatchMetadata: '{}' });
    expect(await lk.roomParticipants('call-1')).toMatchObject([{ sid: 'PA_1', identity: 'visitor-1' }]);
    await lk.deleteRoom('call-1');
    expect(live.calls).toEqual(['CreateRoom', 'ListParticipants', 'DeleteRoom']);
  });

  it('keeps asking the node that answered last, so a dead node is not retried on every call', async () => {
    const first = await fakeNode({ ListRooms: { status: 503, body: { code: 'unavailable', msg: 'down' } } });
    const second = await fakeNode({ ListRooms: rooms() });
    const lk = gateway([first.url, second.url]);
    await lk.ping();
    await lk.ping();
    expect(first.calls).toEqual(['ListRooms']);
    expect(second.calls).toEqual(['ListRooms', 'ListRooms']);
  });

  it("takes a node's 4xx as the answer instead of asking another node", async () => {
    const notFound = { status: 404, body: { code: 'not_found', msg: 'requested room does not exist' } };
    const first = await fakeNode({ ListParticipants: notFound });
    const second = await fakeNode({ ListParticipants: notFound });
    const lk = gateway([first.url, second.url]);
    expect(await lk.roomParticipants('gone')).toBeNull();
    expect(second.calls).toEqual([]);
  });

  it('takes a room that is already gone as deleted, and any other refusal as an error', async () => {
    const gone = await fakeNode({
      DeleteRoom: { status: 404, body: { code: 'not_found', msg: 'requested room does not exist' } },
    });
    await expect(gateway([gone.url]).deleteRoom('call-1')).resolves.toBeUndefined();
    const refusing = await fakeNode({
      DeleteRoom: { status: 401, body: { code: 'unauthenticated', msg: 'invalid token' } },
    });
    await expect(gateway([refusing.url]).deleteRoom('call-1')).rejects.toThrow(/invalid token/);
  });

  it('rejects with the last error when no node answers', async () => {
    const lk = gateway([await deadUrl(), await deadUrl()]);
    await expect(lk.ping()).rejects.toThrow();
  });
});

describe('a staff member’s room token', () => {
  it('joins that one room with a microphone and listens, and may do nothing else', async () => {
    const gateway = createLivekitGateway({
      urls: ['ws://127.0.0.1:1'],
      publicUrl: 'wss://lb.example',
      apiKey: 'key',
      apiSecret: 'secret-0123456789',
    });
    const token = await gateway.mintStaffToken({
      roomName: 'call-1',
      identity: 'staff-abc',
      name: 'Ann',
      ttlSeconds: 600,
    });
    const claims = decodeJwt(token) as { sub?: string; name?: string; video: Record<string, unknown> };
    expect(claims.sub).toBe('staff-abc');
    expect(claims.name).toBe('Ann');
    expect(claims.video).toMatchObject({
      room: 'call-1',
      roomJoin: true,
      canPublish: true,
      canPublishSources: ['microphone'],
      canSubscribe: true,
      canPublishData: false,
    });
    for (const power of ['roomAdmin', 'roomCreate', 'roomList', 'roomRecord', 'hidden', 'agent']) {
      expect(claims.video[power], power).toBeFalsy();
    }
  });
});
