import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

const NAME = 'Zelda Quixotic-Marmalade';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

class PostgresError extends Error {
  override name = 'PostgresError';
  code = '23514';
  constraint_name = 'no_name';
  detail = `Failing row contains (${NAME}).`;
}

describe('the API logger', () => {
  it('logs a database error passed as err by kind and code, never by message or parameters', () => {
    const { logger, lines } = capture();
    const cause = new PostgresError(`new row violates check constraint: ${NAME}`);
    logger.error(
      { err: new DrizzleQueryError('insert into voice_calls values ($1)', [NAME], cause) },
      'failed',
    );
    expect(lines.join('')).not.toContain(NAME);
    expect(JSON.parse(lines[0] ?? '{}').err).toMatchObject({ sqlState: '23514', constraint_name: 'no_name' });
  });

  it('keeps the message of other errors', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('connect ECONNREFUSED') }, 'failed');
    expect(JSON.parse(lines[0] ?? '{}').err.message).toBe('connect ECONNREFUSED');
  });

  it('redacts credentials and caller details a call site passes by mistake', () => {
    const { logger, lines } = capture();
    logger.info(
      { name: NAME, body: { callerName: NAME, text: NAME, apiKey: 'k', instructions: 'i' } },
      'oops',
    );
    const line = lines.join('');
    expect(line).not.toContain(NAME);
    expect(line).not.toContain('"k"');
  });
});
