import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorFacts, frameworkLogger } from './logger.ts';

const SENTENCE = 'my parcel went to 17 Juniper Lane';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the agent logger', () => {
  it('tells an error by its kinds and code, never its message', () => {
    const error = new Error(`API said: ${SENTENCE}`, {
      cause: Object.assign(new TypeError(SENTENCE), { code: 'ECONNRESET' }),
    });
    expect(errorFacts(error)).toEqual({ errors: ['Error', 'TypeError'], code: 'ECONNRESET' });
  });

  it('censors caller details and errors before the framework logger exists', () => {
    // No cli.runApp in a unit test: the framework logger is not initialised, so this is the fallback.
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    frameworkLogger({ callId: 'c1' }).warn(
      { text: SENTENCE, body: { callerName: 'Zelda', token: 'vt_secret_value' }, error: new Error(SENTENCE) },
      'oops',
    );
    const line = written.join('');
    expect(line).toContain('"callId":"c1"');
    expect(line).not.toContain(SENTENCE);
    expect(line).not.toContain('Zelda');
    expect(line).not.toContain('vt_secret_value');
  });
});
