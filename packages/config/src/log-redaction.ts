/**
 * Log fields that hold a credential or a caller's words, in the API's and the agent's logs
 * alike: censored wherever they appear, one level deep (pino `redact`).
 */
export const SENSITIVE_LOG_FIELDS: readonly string[] = [
  'authorization',
  'cookie',
  'token',
  'visitorKey',
  'callerName',
  'name',
  'text',
  'transcript',
  'password',
  'apiKey',
  'secret',
  'secretAccessKey',
  'instructions',
];

export const LOG_CENSOR = '[redacted]';

/** pino's `redact` paths for the fields above, at the top level and one level down. */
export function sensitiveLogPaths(): string[] {
  return [...SENSITIVE_LOG_FIELDS, ...SENSITIVE_LOG_FIELDS.map((field) => `*.${field}`)];
}
