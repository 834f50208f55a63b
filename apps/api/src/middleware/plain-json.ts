import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { mediaTypeOf } from './json-only.ts';

/**
 * Takes a body labelled `text/plain` as the JSON it holds. The widget posts its call request so:
 * a cross-origin POST of `text/plain` with no other header is a CORS "simple request", which the
 * browser sends at once, where `application/json` first waits for a preflight (a round trip on
 * the visitor's network, and a site lookup here) on every visitor's first call. The preflight
 * protected nothing: the route checks the site's origins itself, before anything is made. The
 * body is then checked and validated as any JSON body is, with the same errors.
 */
export function labelPlainAsJson(c: Context<AppEnv>): void {
  if (c.req.method === 'POST' && mediaTypeOf(c.req.header('content-type')) === 'text/plain') {
    c.req.raw.headers.set('content-type', 'application/json');
  }
}
