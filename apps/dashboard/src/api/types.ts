import type { components, paths } from './openapi-types.ts';
import type { ApiPaths } from './paths.ts';

/**
 * Names for the API's shapes the pages use, all taken from the generated document
 * (openapi-types.ts): a route that changes its answer fails type-checking here, not in a browser.
 */
type Schemas = components['schemas'];
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

export type ErrorEnvelope = Schemas['Error'];

export type SessionUser = Schemas['StaffUser'];
export type Role = SessionUser['role'];
/** A row of GET /v1/staff: the user plus when they joined and were last seen. */
export type StaffUser = Schemas['StaffUserListed'];
export type StaffChange = NonNullable<
  paths['/v1/staff/{id}']['patch']['requestBody']
>['content']['application/json'];

export type ApiKey = Schemas['ApiKey'];
export type ApiKeyScope = ApiKey['scopes'][number];

export type Site = Schemas['Site'];
export type SiteChange = Schemas['SitePatch'];
export type NewSite = Schemas['SiteCreate'];
export type BusinessHours = NonNullable<Site['businessHours']>;

export type CallSummary = Schemas['CallSummary'];
/** A piece of the best matching transcript line; `match` marks the searched words. Plain text, never HTML. */
export type SnippetPart = NonNullable<CallSummary['snippet']>[number];
export type CallStatsReport = Schemas['CallStatsReport'];

export type LiveSegment = Schemas['LiveSegment'];
/** A call in progress with its transcript so far (GET /v1/live/calls). */
export type LiveCall = JsonOf<paths['/v1/live/calls']['get']['responses'][200]>['items'][number];

/**
 * Server-sent events of GET /v1/live/events, by event name, as its description in the document
 * gives them (an event stream has no schema there). `resync`: events may have been missed, so the
 * list is loaded again.
 */
export interface LiveEvents {
  call: { call: Schemas['LiveCall'] };
  segment: { callId: string; segment: LiveSegment };
  resync: Record<string, never>;
  /** A call rings for this user (signed in, available, of its site). */
  offer: { escalation: Offer };
  /** It stopped ringing for everyone: taken, declined by all, expired, or its call ended. */
  offer_closed: { escalationId: string; callId: string; status: string };
  /** A callback request was created, claimed or closed (issue 14 contract §3). */
  callback: { callbackRequest: CallbackRequest };
}

/** A ringing escalation offered to staff (GET /v1/escalations, SSE `offer`). */
export type Offer = Schemas['Escalation'];
/** What accepting an offer gives: a token for that call's room only, kept in memory. */
export type AcceptedCall = JsonOf<ApiPaths['/v1/escalations/{id}/accept']['post']['responses'][200]>;
export type CallbackRequest = Schemas['CallbackRequest'];
export type CallbackStatus = CallbackRequest['status'];
