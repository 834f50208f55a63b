import type { ApiConfig } from '@voicedesk/config';
import type { DatabaseHandle } from '@voicedesk/db';
import type { Logger } from './logger.ts';
import type { LiveHub } from './services/live/hub.ts';
import type { LivekitGateway } from './services/livekit-gateway.ts';
import type { ApiMetrics } from './services/metrics.ts';
import type { ObjectStore } from './services/storage/object-store.ts';

export interface AppDeps {
  config: ApiConfig;
  database: DatabaseHandle;
  livekit: LivekitGateway;
  /** This process's fan-out of the Live view's events (LISTEN/NOTIFY). */
  live: LiveHub;
  logger: Logger;
  metrics: ApiMetrics;
  /** Where recordings are kept (S3, or files under DATA_DIR). */
  storage: ObjectStore;
  now?: () => Date;
}
