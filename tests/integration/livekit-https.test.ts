import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLivekitGateway } from '../../apps/api/src/services/livekit-gateway.ts';

// A LiveKit behind TLS (LiveKit Cloud, or a self-hosted server behind a proxy) is reached with
// node:https on the API's hot path (livekit-twirp.ts), not through fetch: the certificate must
// be checked, and a private CA trusted the standard way (NODE_EXTRA_CA_CERTS), as fetch did.

const KEY = { apiKey: 'key', apiSecret: 'secret-0123456789-0123456789' };
const GATEWAY = resolve(import.meta.dirname, '../../apps/api/src/services/livekit-gateway.ts');

let dir: string;
let server: Server;
let url: string;
const received: { path: string; room: string }[] = [];
let tlsConnections = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voicedesk-tls-'));
  // A self-signed certificate for the loopback address: trusted only where the test says so.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=livekit.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string };
        received.push({ path: req.url ?? '', room: body.name });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: body.name, sid: `RM_${body.name}` }));
      });
    },
  );
  server.on('secureConnection', () => tlsConnections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const room = { emptyTimeoutSeconds: 30, agentName: 'voicedesk-assistant', dispatchMetadata: '{}' };

describe('a LiveKit reached over https', () => {
  it("refuses a certificate the API's process does not trust, and sends nothing", async () => {
    const gateway = createLivekitGateway({ urls: [url], publicUrl: url, ...KEY, requestTimeoutSeconds: 5 });
    const before = received.length;
    await expect(gateway.createCallRoom('call-untrusted', room)).rejects.toThrow(/self[- ]signed/i);
    expect(received.length).toBe(before);
  });

  it('creates rooms over one kept TLS connection once the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    // Node reads NODE_EXTRA_CA_CERTS only as a process starts, so the gateway runs in one.
    const script = `
      const { createLivekitGateway } = await import(${JSON.stringify(GATEWAY)});
      const gateway = createLivekitGateway(${JSON.stringify({ urls: [url], publicUrl: url, ...KEY })});
      for (const name of ['call-a', 'call-b']) await gateway.createCallRoom(name, ${JSON.stringify(room)});
      process.exit(0);
    `;
    const before = { requests: received.length, connections: tlsConnections };
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
      timeout: 15_000,
    });
    expect(received.slice(before.requests)).toEqual([
      { path: '/twirp/livekit.RoomService/CreateRoom', room: 'call-a' },
      { path: '/twirp/livekit.RoomService/CreateRoom', room: 'call-b' },
    ]);
    expect(tlsConnections - before.connections).toBe(1);
  });
});
