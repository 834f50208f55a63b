import { type DestinationStream, pino } from 'pino';

export type Logger = pino.Logger;

/** Credentials and caller details never reach the log, whatever a call site passes in. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'api' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
          'token',
          '*.token',
          'visitorKey',
          'callerName',
          '*.callerName',
          'text',
          '*.text',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
