export * from './agent-config.ts';
export * from './api-config.ts';
export type { TrustProxy } from './fields.ts';
export { LOG_CENSOR, SENSITIVE_LOG_FIELDS, sensitiveLogPaths } from './log-redaction.ts';
export { ConfigError, parseEnv } from './parse-env.ts';
export * from './recorder-config.ts';
