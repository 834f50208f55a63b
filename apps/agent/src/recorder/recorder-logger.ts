import { LOG_CENSOR, sensitiveLogPaths } from '@voicedesk/config';
import { type DestinationStream, pino } from 'pino';
import { errorFacts } from '../error-facts.ts';
import type { AgentLogger } from '../logger.ts';

const serializeError = (value: unknown) => (value instanceof Error ? errorFacts(value) : value);

/**
 * The recorder's log: pino JSON with the agent's redaction and error facts (kind and code,
 * never a message). Its own pino rather than the agents framework's logger: the recorder runs
 * no framework, and loading it would cost the process seconds and ~100 MB for a logger.
 */
export function createRecorderLogger(level: string, destination?: DestinationStream): AgentLogger {
  return pino(
    {
      level,
      base: { service: 'recorder' },
      serializers: { err: serializeError, error: serializeError },
      redact: { paths: sensitiveLogPaths(), censor: LOG_CENSOR },
    },
    destination,
  );
}
