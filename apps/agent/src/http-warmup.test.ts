import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { warmHttpClient } from './http-warmup.ts';

// A job process warms its HTTP client against the API's liveness route, and becomes ready
// whatever the API does.

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(answer: (path: string) => number | 'never'): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const listening = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const status = answer(req.url ?? '');
    if (status === 'never') return;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, paths };
}

it("asks the API's liveness route once", async () => {
  const api = await serve(() => 200);
  expect(await warmHttpClient(api.url)).toBe(true);
  expect(api.paths).toEqual(['GET /healthz']);
});

it('gives up at its bound when the API does not answer, without throwing', async () => {
  const api = await serve(() => 'never');
  const started = Date.now();
  expect(await warmHttpClient(api.url, 200)).toBe(false);
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('returns false when nothing listens or the API refuses', async () => {
  const api = await serve(() => 503);
  expect(await warmHttpClient(api.url)).toBe(false);
  expect(await warmHttpClient('http://127.0.0.1:1')).toBe(false);
});
