export * from './agent-config.ts';
export * from './api-config.ts';
export type { TrustProxy } from './fields.ts';
export { ConfigError, parseEnv } from './parse-env.ts';
