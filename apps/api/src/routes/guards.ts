import { AppError } from '@voicedesk/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { bearerToken, keysEqual } from '../middleware/keys.ts';
import { verifyRecordingLink } from '../services/recording-links.ts';
import { verifyVisitorKey } from '../services/visitor-key.ts';

/**
 * Who may call a route, declared with the route (routes/index.ts lists them all). A guard runs
 * before the route's validators and handler, for every method the route answers (HEAD is
 * served by the GET route, so it passes the same guard), and refuses before any query runs.
 */
export interface Guard {
  name: 'publicRoute' | 'adminOnly' | 'serviceOnly' | 'visitorOwnsCall' | 'livekitSignature' | 'signedLink';
  /** The OpenAPI security requirement the guard enforces. */
  security: Record<string, string[]>[];
  middleware: MiddlewareHandler<AppEnv>;
}

const unauthorized = (message: string) => new AppError(401, 'unauthorized', message, 'authorization');

function bearerGuard(
  name: Guard['name'],
  scheme: string,
  what: string,
  expected: (deps: AppDeps) => string,
): Guard {
  return {
    name,
    security: [{ [scheme]: [] }],
    middleware: async (c, next) => {
      const token = bearerToken(c.req.header('authorization'));
      if (!token) throw unauthorized(`${what} required`);
      if (!keysEqual(token, expected(c.get('deps')))) throw unauthorized(`invalid ${what}`);
      await next();
    },
  };
}

export const publicRoute: Guard = {
  name: 'publicRoute',
  security: [],
  middleware: async (_c, next) => {
    await next();
  },
};

export const adminOnly = bearerGuard('adminOnly', 'adminKey', 'admin API key', (d) => d.config.adminApiKey);

export const serviceOnly = bearerGuard(
  'serviceOnly',
  'serviceKey',
  'service key',
  (d) => d.config.internalServiceKey,
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The bearer is the visitor key minted with the call (`:id`); whether the call is live is the handler's question. */
export const visitorOwnsCall: Guard = {
  name: 'visitorOwnsCall',
  security: [{ visitorKey: [] }],
  middleware: async (c, next) => {
    const id = c.req.param('id') ?? '';
    // No call can own a malformed id: say so as the validator would, with no key to check.
    if (!UUID.test(id)) throw new AppError(400, 'validation_failed', 'must be a call id (uuid)', 'id');
    const key = bearerToken(c.req.header('authorization'));
    if (!key || !verifyVisitorKey(id, key, c.get('deps').config.visitorKeySecret)) {
      throw unauthorized('a valid visitor key is required');
    }
    await next();
  },
};

/** LiveKit signs the exact body (a JWT carrying its sha256), so the raw text is read here, first. */
export const livekitSignature: Guard = {
  name: 'livekitSignature',
  security: [],
  middleware: async (c, next) => {
    const deps = c.get('deps');
    const raw = await c.req.text();
    try {
      c.set('webhookEvent', await deps.livekit.receiveWebhook(raw, c.req.header('authorization')));
    } catch (err) {
      deps.logger.warn(errorFacts(err), 'rejected webhook');
      throw unauthorized('webhook signature is missing, invalid or expired');
    }
    await next();
  },
};

/**
 * The path's `:token` is a link the API signed (GET /v1/calls/:id/recording) and that has not
 * expired: a browser's <audio> element can send no header, so the link itself is the credential.
 */
export const signedLink: Guard = {
  name: 'signedLink',
  security: [],
  middleware: async (c, next) => {
    const deps = c.get('deps');
    const check = verifyRecordingLink(
      c.req.param('token') ?? '',
      deps.config.internalServiceKey,
      deps.now?.() ?? new Date(),
    );
    if (!check.ok) {
      throw new AppError(
        403,
        'forbidden',
        check.reason === 'expired' ? 'this recording link has expired' : 'this is not a valid recording link',
        'token',
      );
    }
    await next();
  },
};
