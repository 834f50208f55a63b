import { LOG_CENSOR, sensitiveLogPaths } from '@voicedesk/config';
import { type DestinationStream, pino } from 'pino';
import { errorFacts } from './errors.ts';

export type Logger = pino.Logger;

/**
 * A database error's message quotes the failing statement and its parameters (drizzle's
 * "Failed query: … params: …"), and a Postgres error's detail repeats the failing row: whatever
 * the visitor said. Such an error is logged by its kind and codes only, wherever it is found
 * in the cause chain; other errors keep pino's usual shape.
 */
export function serializeError(err: unknown): unknown {
  return isDatabaseError(err) ? errorFacts(err) : pino.stdSerializers.err(err as Error);
}

function isDatabaseError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    // By shape, not class: drizzle's error keeps the base name, and postgres-js may be bundled twice.
    if (current.name === 'PostgresError' || ('query' in current && 'params' in current)) return true;
    current = current.cause;
  }
  return false;
}

/** Credentials and caller details never reach the log, whatever a call site passes in. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'api' },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: [...sensitiveLogPaths(), 'req.headers.authorization', 'req.headers.cookie'],
        censor: LOG_CENSOR,
      },
    },
    destination,
  );
}
