import type { ApiConfig } from '@voicedesk/config';
import type { DatabaseHandle } from '@voicedesk/db';
import type { Logger } from './logger.ts';
import type { LivekitGateway } from './services/livekit-gateway.ts';
import type { ApiMetrics } from './services/metrics.ts';

export interface AppDeps {
  config: ApiConfig;
  database: DatabaseHandle;
  livekit: LivekitGateway;
  logger: Logger;
  metrics: ApiMetrics;
  now?: () => Date;
}
