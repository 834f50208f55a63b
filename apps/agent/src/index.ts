// The agent's reusable parts. The worker itself starts from main.ts, which is not exported
// because importing it parses the environment.
export { fetchAssistantConfig, type InternalApi, isRetryableStatus, sendInternal } from './api-client.ts';
export { callIdForJob } from './dispatch.ts';
export { buildInstructions, SAFETY_PREAMBLE } from './instructions.ts';
export { mapAgentMetrics } from './metrics-mapping.ts';
export { Reporter, type ReporterOptions } from './reporter.ts';
export { SpokenOrder } from './spoken-order.ts';
export { replaySpool, startSpoolReplayer } from './spool.ts';
export { TurnTracker } from './turn-tracker.ts';
