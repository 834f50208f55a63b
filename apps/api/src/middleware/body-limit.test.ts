import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../app-env.ts';
import { envelope, toAppError } from '../errors.ts';
import { limitBody } from './body-limit.ts';

const LIMIT = 64;
let handled = 0;

function echoApp() {
  const app = new Hono<AppEnv>();
  app.use('*', limitBody(LIMIT));
  app.post(
    '/echo',
    validator('json', (value) => value as { words: string }),
    async (c) => {
      handled++;
      return c.json({
        validated: c.req.valid('json').words,
        text: await c.req.text(),
        bytes: (await c.req.arrayBuffer()).byteLength,
      });
    },
  );
  app.onError((err, c) => envelope(c, toAppError(err)));
  return app;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** Posts the chunks one write each, over a connection of its own, with or without a length. */
function post(port: number, chunks: Buffer[], declaredLength?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/echo',
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(declaredLength === undefined ? {} : { 'content-length': String(declaredLength) }),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(parts).toString('utf8')),
          }),
        );
      },
    );
    // The server may refuse and close before every chunk is sent; the answer is what counts.
    req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('limitBody under Node', () => {
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: echoApp().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    handled = 0;
  });

  it('hands the route the exact body, a character split across writes and all, at the limit', async () => {
    const json = Buffer.from(JSON.stringify({ words: `Grüße ${'x'.repeat(40)} ☎` }), 'utf8');
    const padded = Buffer.concat([json, Buffer.from(' '.repeat(LIMIT - json.length))]);
    expect(padded.length).toBe(LIMIT);
    const split = json.indexOf(Buffer.from('ü')) + 1;
    const answer = await post(port, [padded.subarray(0, split), padded.subarray(split)]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      validated: `Grüße ${'x'.repeat(40)} ☎`,
      text: padded.toString('utf8'),
      bytes: LIMIT,
    });
  });

  it('gives a small body a buffer of its own, not a view into memory shared with other requests', async () => {
    const answer = await post(port, [Buffer.from('{"words":"hi"}')], 14);
    expect(answer.status).toBe(200);
    expect(answer.body.bytes).toBe(14);
  });

  it('refuses a body without a length once it passes the limit, before the route runs', async () => {
    const chunk = Buffer.from(`{"words":"${'y'.repeat(40)}`);
    const answer = await post(port, [chunk, chunk, Buffer.from('"}')]);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect(answer.headers.connection).toBe('close');
    expect(handled).toBe(0);
  });

  it('refuses a declared length past the limit without reading the body', async () => {
    const body = Buffer.from(JSON.stringify({ words: 'z'.repeat(LIMIT) }));
    const answer = await post(port, [body], body.length);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect(handled).toBe(0);
  });
});

describe('limitBody without Node (app.request)', () => {
  it('refuses past the limit and passes the body below it', async () => {
    const app = echoApp();
    const big = await app.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ words: 'w'.repeat(LIMIT) }),
    });
    expect(big.status).toBe(413);
    const small = await app.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"words":"ok"}',
    });
    expect(await small.json()).toEqual({ validated: 'ok', text: '{"words":"ok"}', bytes: 14 });
  });
});
