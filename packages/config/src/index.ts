export * from './agent-config.ts';
export * from './api-config.ts';
export { ConfigError, parseEnv } from './parse-env.ts';
