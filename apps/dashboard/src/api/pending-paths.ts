import type { components } from './openapi-types.ts';

/**
 * Issue 14's routes that the API's OpenAPI document (openapi-types.ts) does not describe yet,
 * written by hand from the contract (/work/contract-14.md §3) in openapi-typescript's shape so
 * the one typed client covers them. Once `npm run api:types` brings them in, delete this file
 * and its use in paths.ts: type-checking then compares the pages with the real document.
 */
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Failure = Json<components['schemas']['Error']>;
type Unused = {
  get?: never;
  put?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
};
type ById = { query?: never; header?: never; path: { id: string }; cookie?: never };
type NoParams = { query?: never; header?: never; path?: never; cookie?: never };

export interface CallbackRequestItem {
  id: string;
  callId: string;
  siteId: string;
  /** What the visitor said their name is: personal data, shown to staff of the site only. */
  name: string;
  contact: string;
  reason: string;
  status: 'open' | 'claimed' | 'closed';
  claimedBy: { id: string; name: string } | null;
  createdAt: string;
  closedAt: string | null;
}

type StaffPost<T> = Unused & {
  parameters: NoParams;
  post: {
    parameters: ById;
    requestBody?: never;
    responses: { 200: Json<T>; 400: Failure; 401: Failure; 403: Failure; 404: Failure; 409: Failure };
  };
};

export interface PendingPaths {
  /** `callId` is new: the answer page opens that call's transcript. */
  '/v1/escalations/{id}/accept': StaffPost<{
    token: string;
    livekitUrl: string;
    roomName: string;
    callId: string;
  }>;
  '/v1/calls/{id}/hand-back': StaffPost<{ phase: 'ai' }>;
  '/v1/callback-requests': Omit<Unused, 'get'> & {
    parameters: NoParams;
    post?: never;
    get: {
      parameters: {
        query?: { status?: CallbackRequestItem['status'] };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: { 200: Json<{ items: CallbackRequestItem[] }>; 401: Failure; 403: Failure };
    };
  };
  '/v1/callback-requests/{id}/claim': StaffPost<CallbackRequestItem>;
  '/v1/callback-requests/{id}/close': StaffPost<CallbackRequestItem>;
}
