import { type AssistantConfig, assistantConfigSchema, PERMANENT_REJECTION_CODES } from '@voicedesk/core';
import { backoffDelay, sleep } from './backoff.ts';
import type { AgentLogger } from './logger.ts';

/** Where the agent reaches the API's /internal routes, and how. */
export interface InternalApi {
  apiUrl: string;
  serviceKey: string;
  fetchImpl?: typeof fetch;
  /** Per request; a hung API must not hold a batch (or the job's shutdown) forever. */
  timeoutMs?: number;
}

export type InternalRoute =
  | 'assistant'
  | 'segments'
  | 'metrics'
  | 'witness'
  | 'end'
  | 'escalations'
  | 'callback-requests';

export type SendOutcome =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'retry'; status: number | null; retryAfterMs: number | null; detail: string }
  | { kind: 'drop'; status: number; code: string | null; field: string | null; requestId: string | null };

export function internalUrl(apiUrl: string, callId: string, route: InternalRoute): string {
  return `${apiUrl.replace(/\/$/, '')}/internal/calls/${encodeURIComponent(callId)}/${route}`;
}

/** Statuses with which the API may refuse a report for good, given a permanent code with them. */
const PERMANENT_STATUSES: ReadonlySet<number> = new Set([400, 404, 409, 422]);

/**
 * Whether a refusal is worth retrying from its status alone. 401/403 (a key rotation), 408, 429
 * and 5xx always are; a 400/404/409/422 only when its code is not a permanent rejection.
 */
export function isRetryableStatus(status: number): boolean {
  return !PERMANENT_STATUSES.has(status);
}

function isPermanentRejection(status: number, code: string | null): boolean {
  return (
    !isRetryableStatus(status) &&
    code !== null &&
    (PERMANENT_REJECTION_CODES as readonly string[]).includes(code)
  );
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function envelopeField(body: unknown, key: 'code' | 'field' | 'requestId'): string | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

/** A request that got no answer (refused connection, reset, timeout): always worth retrying. */
export function unanswered(error: unknown): SendOutcome {
  const detail = error instanceof Error ? error.name : 'fetch failed';
  return { kind: 'retry', status: null, retryAfterMs: null, detail };
}

/**
 * What an answer of the API means for the request: done, retry, or drop for good. Every refusal
 * but a permanent rejection is `retry`.
 */
export async function classifyAnswer(res: Response): Promise<SendOutcome> {
  const parsed = await readJson(res).catch(() => null);
  if (res.ok) return { kind: 'ok', status: res.status, body: parsed };
  const code = envelopeField(parsed, 'code');
  if (!isPermanentRejection(res.status, code)) {
    return {
      kind: 'retry',
      status: res.status,
      retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
      detail: code ?? 'http error',
    };
  }
  return {
    kind: 'drop',
    status: res.status,
    code,
    field: envelopeField(parsed, 'field'),
    requestId: envelopeField(parsed, 'requestId'),
  };
}

/** The caller's signal, if any, bounded by the per-request timeout. */
export function requestSignal(api: InternalApi, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(api.timeoutMs ?? 5_000);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/**
 * One request, classified. Never throws: network failures, timeouts and every refusal but a
 * permanent rejection are `retry`.
 */
export async function sendInternal(
  api: InternalApi,
  callId: string,
  route: InternalRoute,
  body?: unknown,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const fetchImpl = api.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(internalUrl(api.apiUrl, callId, route), {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${api.serviceKey}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: requestSignal(api, signal),
    });
  } catch (error) {
    return unanswered(error);
  }
  return classifyAnswer(res);
}

/**
 * One request the visitor is waiting on (a tool call): retried like the reports, but only a few
 * times and briefly, because the assistant has to answer something. Ends with the last outcome.
 */
export async function sendWithRetry(
  api: InternalApi,
  callId: string,
  route: InternalRoute,
  body: unknown,
  options: { attempts?: number; maxDelayMs?: number; logger: AgentLogger; signal?: AbortSignal },
): Promise<SendOutcome> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const outcome = await sendInternal(api, callId, route, body, options.signal);
    if (outcome.kind !== 'retry' || attempt >= attempts || options.signal?.aborted) return outcome;
    const delay = Math.min(outcome.retryAfterMs ?? backoffDelay(attempt), options.maxDelayMs ?? 2_000);
    options.logger.warn(
      { callId, route, attempt, status: outcome.status, detail: outcome.detail, delayMs: delay },
      'API did not take a request, retrying',
    );
    await sleep(delay, options.signal);
  }
}

export class AssistantConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssistantConfigError';
  }
}

/** The site's assistant settings for this call, retried a few times because a job without them cannot speak. */
export async function fetchAssistantConfig(
  api: InternalApi,
  callId: string,
  options: { attempts?: number; logger: AgentLogger; signal?: AbortSignal },
): Promise<AssistantConfig> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const outcome = await sendInternal(api, callId, 'assistant', {});
    if (outcome.kind === 'ok') {
      const parsed = assistantConfigSchema.safeParse(outcome.body);
      if (!parsed.success) {
        throw new AssistantConfigError('assistant settings from the API do not match the contract');
      }
      if (parsed.data.callId !== callId) {
        throw new AssistantConfigError('assistant settings from the API are for another call');
      }
      return parsed.data;
    }
    if (outcome.kind === 'drop') {
      throw new AssistantConfigError(
        `API refused the assistant settings (HTTP ${outcome.status} ${outcome.code ?? ''})`.trim(),
      );
    }
    if (attempt >= attempts || options.signal?.aborted) {
      throw new AssistantConfigError(
        `API unreachable for the assistant settings after ${attempt} attempts (${outcome.status ?? outcome.detail})`,
      );
    }
    const delay = Math.min(outcome.retryAfterMs ?? backoffDelay(attempt), 5_000);
    options.logger.warn(
      { callId, attempt, status: outcome.status, delayMs: delay },
      'assistant settings fetch failed, retrying',
    );
    await sleep(delay, options.signal);
  }
}
