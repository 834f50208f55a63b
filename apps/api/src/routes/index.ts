import { createApiKeyEntry, listApiKeysEntry, revokeApiKeyEntry } from './api-keys-admin.ts';
import { acceptInviteEntry } from './auth-invite.ts';
import { loginEntry, logoutEntry, sessionEntry } from './auth-session.ts';
import { setupEntry, setupStatusEntry } from './auth-setup.ts';
import { handBackEntry } from './call-hand-back.ts';
import {
  claimCallbackRequestEntry,
  closeCallbackRequestEntry,
  createCallbackRequestEntry,
  listCallbackRequestsEntry,
} from './callback-requests.ts';
import { getCallEntry, listCallsEntry } from './calls-admin.ts';
import { deleteCallEntry, exportCallEntry } from './calls-erasure.ts';
import { createCallEntry, endCallEntry } from './calls-public.ts';
import { callStatsEntry } from './calls-stats.ts';
import { dashboardAssetsEntry, dashboardPageEntry } from './dashboard-assets.ts';
import type { RouteEntry } from './define.ts';
import { docsAssetsEntry, docsPageEntry, openApiDocumentEntry } from './docs.ts';
import {
  acceptEscalationEntry,
  availabilityEntry,
  declineEscalationEntry,
  listEscalationsEntry,
  readAvailabilityEntry,
  requestEscalationEntry,
} from './escalations.ts';
import { healthzEntry, readyzEntry } from './health.ts';
import { agentEndCallEntry, assistantEntry, metricsEntry, segmentsEntry } from './internal.ts';
import { recordingChunkEntry, recordingFinishEntry } from './internal-recording.ts';
import { witnessEntry } from './internal-witness.ts';
import { liveCallsEntry } from './live-calls.ts';
import { liveEventsEntry } from './live-events.ts';
import { livekitWebhookEntry } from './livekit-webhook.ts';
import { scrapeMetricsEntry } from './metrics.ts';
import { recordingStreamEntry, recordingUrlEntry } from './recordings-admin.ts';
import { createSiteEntry, listSitesEntry, updateSiteEntry } from './sites-admin.ts';
import { siteConfigEntry } from './sites-public.ts';
import { createStaffEntry, listStaffEntry, reinviteStaffEntry, updateStaffEntry } from './staff-admin.ts';
import { demoPageEntry, widgetScriptEntry } from './widget-assets.ts';

/**
 * Every route the API serves, with who may call it (the guard is declared on each route).
 * createApp mounts exactly this list, and auth-walk.test.ts tries every route in it with every
 * method and every wrong credential. A route that is not here is not served.
 */
export const ROUTES: readonly RouteEntry[] = [
  // public: anyone; the widget's routes answer CORS for their site's origins only
  healthzEntry, //            GET  /healthz
  readyzEntry, //             GET  /readyz
  createCallEntry, //         POST /v1/calls
  siteConfigEntry, //         GET  /v1/sites/:key/config
  openApiDocumentEntry, //    GET  /v1/openapi.json
  docsPageEntry, //           GET  /docs
  docsAssetsEntry, //         GET  /docs/assets/:dir/:file (Swagger UI, from swagger-ui-dist)
  widgetScriptEntry, //       GET  /widget.js, /voicedesk-call.js
  demoPageEntry, //           GET  /demo
  dashboardAssetsEntry, //    GET  /app/assets/:file (hashed, immutable)
  dashboardPageEntry, //      GET  /app, /app/* (the staff app's page; the app signs staff in)
  // public, sign-in: rate-limited per address (and per account for login)
  setupStatusEntry, //        GET  /v1/auth/setup
  setupEntry, //              POST /v1/auth/setup (the one-time code from the API's log)
  loginEntry, //              POST /v1/auth/login
  logoutEntry, //             POST /v1/auth/logout
  acceptInviteEntry, //       POST /v1/auth/invite/accept
  // visitor: the visitor key minted with the call (or, for the end, the staff session that holds it)
  endCallEntry, //            POST /v1/calls/:id/end (visitor key; or staff_ended by the staff member holding it)
  // staff: a session (admin or agent; agents see their sites only), an API key with the
  // scope (calls:read for GET, calls:write otherwise), or the bootstrap ADMIN_API_KEY
  sessionEntry, //            GET  /v1/auth/session (session only)
  listCallsEntry, //          GET  /v1/calls
  callStatsEntry, //          GET  /v1/calls/stats (before /v1/calls/:id, which would take it for an id)
  getCallEntry, //            GET  /v1/calls/:id (audited: transcript)
  recordingUrlEntry, //       GET  /v1/calls/:id/recording (audited)
  exportCallEntry, //         GET  /v1/calls/:id/export (audited)
  liveCallsEntry, //          GET  /v1/live/calls
  liveEventsEntry, //         GET  /v1/live/events (text/event-stream; offers to available staff)
  readAvailabilityEntry, //   GET  /v1/staff/me/availability (session only)
  availabilityEntry, //       PUT  /v1/staff/me/availability (session only)
  listEscalationsEntry, //    GET  /v1/escalations (ringing offers of your sites)
  acceptEscalationEntry, //   POST /v1/escalations/:id/accept (session only; first wins, then 409)
  declineEscalationEntry, //  POST /v1/escalations/:id/decline (session only)
  handBackEntry, //           POST /v1/calls/:id/hand-back (session only; who holds the call, or an admin)
  listCallbackRequestsEntry, // GET /v1/callback-requests (audited: contacts)
  claimCallbackRequestEntry, // POST /v1/callback-requests/:id/claim (session only)
  closeCallbackRequestEntry, // POST /v1/callback-requests/:id/close (session only; the claimer or an admin)
  // admin: an admin's session, an API key with the admin scope, or ADMIN_API_KEY
  deleteCallEntry, //         DELETE /v1/calls/:id (audited)
  listStaffEntry, //          GET  /v1/staff
  createStaffEntry, //        POST /v1/staff (audited)
  updateStaffEntry, //        PATCH /v1/staff/:id (audited)
  reinviteStaffEntry, //      POST /v1/staff/:id/invite (audited)
  listApiKeysEntry, //        GET  /v1/api-keys
  createApiKeyEntry, //       POST /v1/api-keys (audited)
  revokeApiKeyEntry, //       DELETE /v1/api-keys/:id (audited)
  listSitesEntry, //          GET  /v1/sites
  createSiteEntry, //         POST /v1/sites (audited)
  updateSiteEntry, //         PATCH /v1/sites/:id (audited)
  // signed: a link the API signed, until it expires
  recordingStreamEntry, //    GET  /v1/recordings/:token (Range)
  // webhook: LiveKit's signature over the body
  livekitWebhookEntry, //     POST /v1/livekit/webhook
  // internal: INTERNAL_SERVICE_KEY (the agent); only on INTERNAL_PORT when it is set
  assistantEntry, //          POST /internal/calls/:id/assistant
  segmentsEntry, //           POST /internal/calls/:id/segments
  metricsEntry, //            POST /internal/calls/:id/metrics
  agentEndCallEntry, //       POST /internal/calls/:id/end
  requestEscalationEntry, //  POST /internal/calls/:id/escalations (transfer_to_human)
  createCallbackRequestEntry, // POST /internal/calls/:id/callback-requests (request_callback)
  witnessEntry, //            POST /internal/calls/:id/witness
  recordingChunkEntry, //     PUT  /internal/calls/:id/recording/chunks/:seq (audio/ogg)
  recordingFinishEntry, //    POST /internal/calls/:id/recording/finish
  scrapeMetricsEntry, //      GET  /metrics (Prometheus text)
];
