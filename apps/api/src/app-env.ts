import type { AppDeps } from './deps.ts';
import type { ReceivedWebhook } from './services/livekit-gateway.ts';
import type { StaffScope } from './services/staff/staff-scope.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    /** Set by a widget route once it knows the site: the origins its CORS answer may name. */
    siteOrigins?: readonly string[];
    /** Set by the livekitSignature guard: the verified webhook. */
    webhook?: ReceivedWebhook;
    /** Set by the staff guards (staffAny, staffAdmin, staffSession): who is asking. */
    staff?: StaffScope;
  };
}
