import { AppError } from '@voicedesk/core';
import type { ApiKeyScope } from '@voicedesk/db';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { bearerToken, keysEqual } from '../middleware/keys.ts';
import { clearSessionCookie, sessionToken, setSessionCookie } from '../middleware/staff-cookie.ts';
import { verifyRecordingLink } from '../services/recording-links.ts';
import { looksLikeApiKey, verifyApiKey } from '../services/staff/api-keys.ts';
import { resolveSession } from '../services/staff/sessions.ts';
import type { StaffScope } from '../services/staff/staff-scope.ts';
import { verifyVisitorKey } from '../services/visitor-key.ts';

/**
 * Who may call a route, declared with the route (routes/index.ts lists them all). A guard runs
 * before the route's validators and handler, for every method the route answers (HEAD is
 * served by the GET route, so it passes the same guard), and refuses before the route's own
 * queries run (the staff guards look up the session or API key first, nothing else).
 */
export interface Guard {
  name:
    | 'publicRoute'
    | 'staffAny'
    | 'staffAdmin'
    | 'staffSession'
    | 'serviceOnly'
    | 'visitorOwnsCall'
    | 'visitorOrStaffSession'
    | 'livekitSignature'
    | 'signedLink';
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

const forbidden = (message: string) => new AppError(403, 'forbidden', message);

const BOOTSTRAP: StaffScope = { kind: 'bootstrap', id: null, role: 'admin', siteIds: 'all' };

/** The scope an API key needs here: `admin` opens everything; reads and writes of calls are apart. */
function scopeNeeded(need: 'any' | 'admin', method: string): ApiKeyScope {
  if (need === 'admin') return 'admin';
  return method === 'GET' || method === 'HEAD' ? 'calls:read' : 'calls:write';
}

/** A bearer (ADMIN_API_KEY or an API key) or, without one, the session cookie. */
async function identify(
  c: Context<AppEnv>,
  need: 'any' | 'admin',
  allowBearer: boolean,
): Promise<StaffScope> {
  const deps = c.get('deps');
  const now = deps.now?.() ?? new Date();
  const bearer = allowBearer ? bearerToken(c.req.header('authorization')) : undefined;
  if (bearer) {
    if (keysEqual(bearer, deps.config.adminApiKey)) return BOOTSTRAP;
    // Only the key's shape is checked before the database: a random bearer costs no query.
    const key = looksLikeApiKey(bearer) ? await verifyApiKey(deps.database.db, bearer, now) : null;
    if (!key) throw unauthorized('invalid or revoked API key');
    const scope = scopeNeeded(need, c.req.method);
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin')) {
      throw forbidden(`this API key lacks the ${scope} scope`);
    }
    return { kind: 'api_key', id: key.id, role: 'admin', siteIds: 'all' };
  }
  const token = sessionToken(c);
  if (!token) throw unauthorized('sign in, or send an API key');
  const ttl = deps.config.staff.sessionTtlSeconds;
  const session = await resolveSession(deps.database.db, token, now, ttl);
  if (!session) {
    clearSessionCookie(c);
    throw unauthorized('your session has ended: sign in again');
  }
  // The browser's copy lives as long as the server's, which just slid forward.
  if (session.slid) setSessionCookie(c, token);
  return { kind: 'user', id: session.id, role: session.role, siteIds: session.siteIds };
}

function staffGuard(name: 'staffAny' | 'staffAdmin' | 'staffSession', need: 'any' | 'admin'): Guard {
  const bearer = name !== 'staffSession';
  return {
    name,
    security: bearer ? [{ staffSession: [] }, { apiKey: [] }] : [{ staffSession: [] }],
    middleware: async (c, next) => {
      const staff = await identify(c, need, bearer);
      if (need === 'admin' && staff.role !== 'admin') throw forbidden('only an admin may do this');
      c.set('staff', staff);
      await next();
    },
  };
}

/**
 * Any signed-in staff member (admin or agent; agents see their sites only), an API key with the
 * route's scope (`calls:read` for GET, `calls:write` otherwise, or `admin`), or the bootstrap
 * ADMIN_API_KEY. Handlers read `c.var.staff`.
 */
export const staffAny = staffGuard('staffAny', 'any');
/** Admins only: a signed-in admin, an API key with the `admin` scope, or ADMIN_API_KEY. Agents: 403. */
export const staffAdmin = staffGuard('staffAdmin', 'admin');
/** A browser session only (who am I): keys have no user. */
export const staffSession = staffGuard('staffSession', 'any');

/** Who a staff guard let in; a handler behind one always has it. */
export function staffOf(c: Context<AppEnv>): StaffScope {
  const staff = c.get('staff');
  if (!staff) throw new Error('route reached without a staff guard');
  return staff;
}

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

/**
 * A call's hang-up has two callers: its visitor (the visitor key, as a bearer) and the staff
 * member who took it (the dashboard's session; the handler checks they hold it). A bearer is
 * judged as a visitor key only; without one, the session cookie decides. Handlers tell the two
 * apart by `c.var.staff`.
 */
export const visitorOrStaffSession: Guard = {
  name: 'visitorOrStaffSession',
  security: [{ visitorKey: [] }, { staffSession: [] }],
  middleware: async (c, next) => {
    if (bearerToken(c.req.header('authorization')) !== undefined) {
      return visitorOwnsCall.middleware(c, next);
    }
    return staffSession.middleware(c, next);
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
      c.set('webhook', await deps.livekit.receiveWebhook(raw, c.req.header('authorization')));
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
