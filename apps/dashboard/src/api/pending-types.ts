/**
 * The routes of issue 13's contract (/work/contract-13.md) that other branches are building
 * (auth, staff, API keys, sites, search and stats, live), typed by hand in the shape
 * openapi-typescript emits. Temporary: once those branches are merged, the lead runs
 * `npm run api:types`, deletes this file, and `ApiPaths` (api/paths.ts) becomes the generated
 * `paths` alone; any difference between this file and the real routes then fails type-checking.
 */
import type { components } from './openapi-types.ts';

type CallSummaryBase = components['schemas']['CallSummary'];
export type ErrorEnvelope = {
  error: { code: string; message: string; field?: string; requestId: string };
};

export type Role = 'admin' | 'agent';
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  siteIds: string[];
  disabled: boolean;
}
export interface StaffUser extends SessionUser {
  createdAt: string;
  lastSeenAt: string | null;
}
export type ApiKeyScope = 'calls:read' | 'calls:write' | 'admin';
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface BusinessHours {
  timeZone: string;
  days: Partial<
    Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { open: string; close: string }[]>
  >;
}
export interface Site {
  id: string;
  publicKey: string;
  name: string;
  allowedOrigins: string[];
  instructions: string;
  greeting: string;
  voice: string;
  language: string;
  maxCallSeconds: number;
  idleTimeoutSeconds: number;
  businessHours: BusinessHours | null;
  recordingEnabled: boolean;
  recordingNotice: string | null;
  retentionDays: number | null;
  createdAt: string;
  updatedAt: string;
}
export type SiteChange = Partial<
  Pick<
    Site,
    | 'name'
    | 'allowedOrigins'
    | 'instructions'
    | 'greeting'
    | 'voice'
    | 'maxCallSeconds'
    | 'idleTimeoutSeconds'
    | 'businessHours'
    | 'recordingEnabled'
    | 'recordingNotice'
    | 'retentionDays'
  >
>;
/** A piece of the best matching transcript line; `match` marks the searched words. Plain text, never HTML. */
export interface SnippetPart {
  text: string;
  match: boolean;
}
export interface CallSummary extends CallSummaryBase {
  snippet?: SnippetPart[] | null;
}
export interface CallStatsResponse {
  totals: { calls: number; minutes: number; averageDurationSeconds: number | null; missedRate: number };
  endReasons: Record<string, number>;
  series: { bucketStart: string; calls: number; minutes: number; missed: number }[];
}
export interface LiveSegment {
  /** The contract names `id` on streamed segments; listed ones may carry only `seq`. */
  id?: string;
  seq?: number;
  speaker: string;
  text: string;
  startedAt: string;
  endedAt?: string;
}
export interface LiveCall extends CallSummaryBase {
  segments: LiveSegment[];
}

// The shapes below mirror openapi-typescript's output, so openapi-fetch types them the same way.
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type NoContent = { headers: { [name: string]: unknown }; content?: never };
type Err = Json<ErrorEnvelope>;
type Errors = { 400: Err; 401: Err; 403: Err; 404: Err; 409: Err; 429: Err };
type Operation<Responses, Query = never, Path = never, Body = never> = {
  parameters: {
    header?: never;
    cookie?: never;
  } & ([Query] extends [never] ? { query?: never } : { query?: Query }) &
    ([Path] extends [never] ? { path?: never } : { path: Path });
  responses: Responses & Errors;
} & ([Body] extends [never]
  ? { requestBody?: never }
  : { requestBody: { content: { 'application/json': Body } } });
type Methods = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type PathItem<M extends Partial<Record<Methods, unknown>>> = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
} & { [K in Exclude<Methods, keyof M>]?: never } & M;

type IdPath = { id: string };

export interface PendingPaths {
  '/v1/auth/setup': PathItem<{
    get: Operation<{ 200: Json<{ needed: boolean }> }>;
    post: Operation<
      { 201: Json<{ user: SessionUser }> },
      never,
      never,
      { code: string; email: string; name: string; password: string }
    >;
  }>;
  '/v1/auth/login': PathItem<{
    post: Operation<{ 200: Json<{ user: SessionUser }> }, never, never, { email: string; password: string }>;
  }>;
  '/v1/auth/logout': PathItem<{ post: Operation<{ 204: NoContent }> }>;
  '/v1/auth/session': PathItem<{ get: Operation<{ 200: Json<{ user: SessionUser }> }> }>;
  '/v1/auth/invite/accept': PathItem<{
    post: Operation<
      { 200: Json<{ user: SessionUser }> },
      never,
      never,
      { token: string; password: string; name?: string }
    >;
  }>;
  '/v1/staff': PathItem<{
    get: Operation<{ 200: Json<{ items: StaffUser[] }> }>;
    post: Operation<
      { 201: Json<{ user: StaffUser; inviteUrl: string }> },
      never,
      never,
      { email: string; name: string; role: Role; siteIds: string[] }
    >;
  }>;
  '/v1/staff/{id}': PathItem<{
    patch: Operation<
      { 200: Json<{ user: StaffUser }> },
      never,
      IdPath,
      { role?: Role; siteIds?: string[]; disabled?: boolean }
    >;
  }>;
  '/v1/api-keys': PathItem<{
    get: Operation<{ 200: Json<{ items: ApiKey[] }> }>;
    post: Operation<
      { 201: Json<{ key: ApiKey; secret: string }> },
      never,
      never,
      { name: string; scopes: ApiKeyScope[] }
    >;
  }>;
  '/v1/api-keys/{id}': PathItem<{ delete: Operation<{ 204: NoContent }, never, IdPath> }>;
  '/v1/sites': PathItem<{
    get: Operation<{ 200: Json<{ items: Site[] }> }>;
    post: Operation<{ 201: Json<{ site: Site }> }, never, never, SiteChange & { name: string }>;
  }>;
  '/v1/sites/{id}': PathItem<{
    patch: Operation<{ 200: Json<{ site: Site }> }, never, IdPath, SiteChange>;
  }>;
  '/v1/calls': PathItem<{
    get: Operation<
      {
        200: Json<{
          items: CallSummary[];
          nextCursor: string | null;
        }>;
      },
      {
        cursor?: string;
        from?: string;
        to?: string;
        limit?: number;
        siteId?: string;
        status?: string;
        q?: string;
        endReason?: string;
        minDuration?: number;
        maxDuration?: number;
      }
    >;
  }>;
  '/v1/calls/stats': PathItem<{
    get: Operation<
      { 200: Json<CallStatsResponse> },
      { from?: string; to?: string; siteId?: string; bucket?: 'day' | 'hour' }
    >;
  }>;
  '/v1/live/calls': PathItem<{ get: Operation<{ 200: Json<{ items: LiveCall[] }> }> }>;
}

/** Server-sent events of GET /v1/live/events, by event name. */
export interface LiveEvents {
  call: { call: CallSummaryBase };
  segment: { callId: string; segment: LiveSegment };
}
