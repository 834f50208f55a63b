import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { errorFacts } from '../errors.ts';
import { sessionToken } from '../middleware/staff-cookie.ts';
import { errorResponses } from '../schemas.ts';
import { audit } from '../services/audit.ts';
import { LiveConnection } from '../services/live/connection.ts';
import { REPLAY_OVERLAP_MS, RESYNC_EVENT } from '../services/live/hub.ts';
import { streamAccessCheck } from '../services/live/stream-access.ts';
import { actorOf } from '../services/staff/staff-scope.ts';
import { defineRoute } from './define.ts';
import { staffAny, staffOf } from './guards.ts';
import { scopeOf } from './staff-scope.ts';

/** Events waiting for one slow client before it is dropped; it comes back with Last-Event-ID. */
const MAX_QUEUED = 1000;
/** How soon a browser's EventSource reconnects after the stream ends. */
const RETRY_MS = 2000;
/** A resume point older than this is not replayed: the client reloads the list instead. */
const MAX_REPLAY_MS = 10 * 60_000;

const route = createRoute({
  method: 'get',
  path: '/v1/live/events',
  tags: ['live'],
  summary: 'Server-sent events of calls in progress',
  description: [
    '`event: call`, data `{ call: LiveCall }`: a call was created, its status or phase changed, or it ended.',
    '`event: segment`, data `{ callId, segment: LiveSegment }`: a transcript segment was stored.',
    '`event: resync`, data `{}`: events may have been missed; reload GET /v1/live/calls.',
    '`event: offer`, data `{ escalation }`: a call rings for you (signed in, available, of its site).',
    '`event: offer_closed`, data `{ escalationId, callId, status }`: it stopped ringing (taken,',
    'declined by all, expired). Offers are not replayed: after reconnecting reload GET /v1/escalations.',
    'A `: heartbeat` comment comes every LIVE_HEARTBEAT_SECONDS. Each event id is the time its row',
    'was stored; a client reconnecting with `Last-Event-ID` gets what was stored since then (give or',
    'take a few seconds: drop segments already held, by id). Agents receive their sites only.',
    'A signed-in stream ends within a heartbeat of its session ending (sign-out, disabled user,',
    'expiry; reconnecting then answers 401) or of the role or sites of its user changing',
    '(reconnecting opens one with the new ones); a stream opened with an API key ends once the key',
    'is revoked.',
  ].join(' '),
  request: {
    headers: z.object({
      'last-event-id': z
        .string()
        .regex(/^\d{1,15}$/, 'must be the id of an event this stream sent')
        .optional(),
    }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(400, 401, 403),
  },
});

export const liveEventsEntry = defineRoute({
  audience: 'staff',
  guard: staffAny,
  route,
  handler: async (c) => {
    // HEAD is served by this GET route, but its response has no body for anyone to read or
    // cancel: a stream opened for it would hold its subscription until the process stops.
    if (c.req.method === 'HEAD') {
      return c.body(null, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }) as never;
    }
    const deps = c.get('deps');
    const scope = scopeOf(c);
    // Checked again at each heartbeat (session, its role and sites; an API key's revocation).
    const stillAllowed = streamAccessCheck(
      deps.database.db,
      staffOf(c),
      staffOf(c).kind === 'user' ? sessionToken(c) : undefined,
      () => deps.now?.() ?? new Date(),
    );
    const lastEventId = c.req.valid('header')['last-event-id'];
    const heartbeatMs = deps.config.live.heartbeatSeconds * 1000;
    // A stream of transcripts as they are spoken: opening it is a transcript read.
    await audit(deps.database.db, {
      actor: actorOf(staffOf(c)),
      action: 'live.read',
      callId: null,
      details: { stream: true },
    });
    // Proxies such as nginx buffer responses unless told not to, which would hold events back.
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let finish = () => {};
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      stream.onAbort(() => finish());
      const connection = new LiveConnection(stream, {
        heartbeatMs,
        maxQueued: MAX_QUEUED,
        onOverflow: () => {
          deps.logger.warn('live client too slow, dropped; it resumes with Last-Event-ID');
          // Not close(): that waits for the client to read what is already written.
          stream.abort();
        },
      });
      let unsubscribe = () => {};
      let checking = false;
      const recheck =
        stillAllowed === undefined
          ? undefined
          : setInterval(() => {
              if (checking) return;
              checking = true;
              stillAllowed()
                .then((allowed) => {
                  if (!allowed) finish();
                })
                // A failed check keeps the stream: the next heartbeat asks again.
                .catch((err: unknown) => deps.logger.warn(errorFacts(err), 'live access check failed'))
                .finally(() => {
                  checking = false;
                });
            }, heartbeatMs);
      try {
        unsubscribe = await deps.live.subscribe({
          scope,
          staffId: staffOf(c).kind === 'user' ? (staffOf(c).id ?? undefined) : undefined,
          deliver: (event) => connection.push(event),
          end: finish,
        });
        await stream.write(`retry: ${RETRY_MS}\n\n`);
        // Subscribed first, so nothing falls between the replay and the live events.
        if (lastEventId !== undefined) await resume(Number(lastEventId));
        await done;
      } catch (err) {
        // The stream ends and the browser reconnects after `retry`; the reason stays in our log.
        deps.logger.warn(errorFacts(err), 'live stream failed');
      } finally {
        clearInterval(recheck);
        unsubscribe();
        connection.close();
      }

      async function resume(lastSeen: number) {
        if (lastSeen < Date.now() - MAX_REPLAY_MS) {
          connection.push(RESYNC_EVENT);
          return;
        }
        for (const event of await deps.live.replay(scope, new Date(lastSeen - REPLAY_OVERLAP_MS))) {
          connection.push(event);
        }
      }
    });
  },
});
