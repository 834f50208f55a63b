import { initializeLogger, log } from '@livekit/agents';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dropFrameworkPii, errorFacts, frameworkLogger } from './logger.ts';

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

describe('the framework logger', () => {
  it('loses every lk.pii field, in its own lines and in ours', () => {
    dropFrameworkPii();
    initializeLogger({ pretty: false, level: 'debug' });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    log().debug({ 'lk.pii.transcript': SENTENCE, turn: 1 }, 'end of user turn');
    log().child({ 'lk.pii.room_name': SENTENCE }).info({}, 'bound');
    frameworkLogger({ callId: 'c1' }).info({ 'lk.pii.user_input': SENTENCE }, 'ours');
    const lines = written.join('');
    expect(lines).toContain('end of user turn');
    expect(lines).toContain('"turn":1');
    expect(lines).toContain('"msg":"ours"');
    expect(lines).toContain('"msg":"bound"');
    expect(lines).not.toContain(SENTENCE);
  });
});
