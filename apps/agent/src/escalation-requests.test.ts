import { describe, expect, it } from 'vitest';
import { askForPerson, saveCallbackRequest } from './escalation-requests.ts';
import type { AgentLogger } from './logger.ts';

const CALL = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b';
const E1 = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6c';

function recorder(answers: (() => Response)[]) {
  const requests: { url: string; body: unknown; auth: string | null }[] = [];
  const lines: string[] = [];
  const log = (level: string) => (obj: unknown, msg?: string) =>
    lines.push(`${level} ${JSON.stringify(obj)} ${msg}`);
  const logger = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  } as unknown as AgentLogger;
  const fetchImpl = (async (url: string, init: RequestInit) => {
    requests.push({
      url,
      body: JSON.parse(String(init.body)),
      auth: new Headers(init.headers).get('authorization'),
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as typeof fetch;
  return { api: { apiUrl: 'http://api.test', serviceKey: 'svc-key', fetchImpl }, requests, lines, logger };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('askForPerson', () => {
  it('posts the reason with the service key, retrying a 503, and reads the escalation', async () => {
    const t = recorder([
      json(503, { error: { code: 'unavailable' } }),
      json(200, { escalationId: E1, status: 'ringing', availableStaff: 2 }),
    ]);
    const answer = await askForPerson(t.api, CALL, ' The caller asked for a person. ', t.logger);
    expect(answer).toEqual({ kind: 'ringing', escalationId: E1 });
    expect(t.requests).toHaveLength(2);
    expect(t.requests[0]).toEqual({
      url: `http://api.test/internal/calls/${CALL}/escalations`,
      body: { reason: 'The caller asked for a person.' },
      auth: 'Bearer svc-key',
    });
  });

  it('says unanswered when nobody is available, failed when the API stays away', async () => {
    const none = recorder([json(200, { escalationId: E1, status: 'unanswered', availableStaff: 0 })]);
    expect(await askForPerson(none.api, CALL, 'why', none.logger)).toEqual({
      kind: 'unanswered',
      escalationId: E1,
    });
    const down = recorder([json(503, {}), json(503, {}), json(503, {})]);
    expect(await askForPerson(down.api, CALL, 'why', down.logger)).toEqual({ kind: 'failed' });
    expect(down.requests).toHaveLength(3);
  });
});

describe('saveCallbackRequest', () => {
  const details = { name: ' Sam Visitor ', contact: 'sam@example.com', reason: 'An invoice question.' };

  it('posts the trimmed details and never logs them', async () => {
    const t = recorder([json(503, {}), json(201, { id: E1 })]);
    expect(await saveCallbackRequest(t.api, CALL, details, t.logger)).toBe('saved');
    expect(t.requests.map((r) => r.url)).toEqual([
      `http://api.test/internal/calls/${CALL}/callback-requests`,
      `http://api.test/internal/calls/${CALL}/callback-requests`,
    ]);
    expect(t.requests[1]?.body).toEqual({
      name: 'Sam Visitor',
      contact: 'sam@example.com',
      reason: 'An invoice question.',
    });
    const log = t.lines.join('\n');
    expect(log).not.toContain('Sam');
    expect(log).not.toContain('sam@example.com');
    expect(log).not.toContain('invoice');
  });

  it('asks for what is missing without calling the API, and fails on a refusal', async () => {
    const t = recorder([]);
    expect(await saveCallbackRequest(t.api, CALL, { ...details, contact: '  ' }, t.logger)).toBe(
      'incomplete',
    );
    expect(t.requests).toHaveLength(0);
    const ended = recorder([
      json(409, { error: { code: 'call_not_active', message: 'ended', field: 'id' } }),
    ]);
    const result = await saveCallbackRequest(ended.api, CALL, details, ended.logger);
    expect(result).toBe('failed');
    // An ended call never takes the request: asking again only delays the goodbye.
    expect(ended.requests).toHaveLength(1);
  });
});
