import { IncomingMessage } from 'node:http';
import { AppError } from '@voicedesk/core';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.ts';

const utf8 = new TextDecoder();

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'payload_too_large', `request body is larger than ${maxBytes} bytes`, 'body');

/**
 * Node's request, when the app is served by @hono/node-server: not under `app.request`, where
 * tests may pass a bare `{ socket }` for the client's address.
 */
function nodeRequestOf(c: Context<AppEnv>): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/** The body's bytes, or `undefined` once more than `maxBytes` arrived (the rest is discarded). */
function readUpTo(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      // Drained unread, so the refusal can still be written on this connection.
      incoming.resume();
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      // Copied into a buffer of its own: a small Buffer is a view into Node's shared pool, and its
      // `.buffer` would hand the validators other requests' bytes.
      const body = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.length;
      }
      resolve(body);
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => {
      if (incoming.complete) return;
      stop();
      reject(new AppError(400, 'validation_failed', 'the request body ended before it was complete', 'body'));
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Reads the body, refusing it past `maxBytes` with 413, before any route sees it. Under Node it is
 * read straight from Node's request and left where HonoRequest keeps a body it has read, so
 * `c.req.text()`, `json()`, `arrayBuffer()` and the validators answer from it. Hono's bodyLimit
 * reads `c.req.raw.body`, which makes @hono/node-server build a whole web Request (headers copied,
 * an AbortSignal, a web stream over the socket) for every write: about 9 % of the API's CPU under
 * webhook load. Elsewhere (`app.request` in tests) Hono's own limit does the work.
 */
export const limitBody = (maxBytes: number): MiddlewareHandler<AppEnv> => {
  const honoLimit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  });
  return async (c, next) => {
    const incoming = nodeRequestOf(c);
    if (!incoming) return honoLimit(c, next);
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || Object.keys(c.req.bodyCache).length > 0) {
      return next();
    }
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const body = await readUpTo(incoming, maxBytes);
    if (!body) {
      // The client may still be sending; without this, Node would keep the connection open to read the rest.
      c.header('connection', 'close');
      throw tooLarge(maxBytes);
    }
    // HonoRequest caches each kind of body as a promise (its types say the value).
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache.arrayBuffer = Promise.resolve(body.buffer);
    cache.text = Promise.resolve(utf8.decode(body));
    await next();
  };
};
