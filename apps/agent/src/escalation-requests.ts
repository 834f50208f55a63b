import { z } from 'zod';
import { type InternalApi, type SendOutcome, sendWithRetry } from './api-client.ts';
import type { AgentLogger } from './logger.ts';

/** What asking the API for a person came to (contract of issue 14, section 2). */
export type PersonAnswer =
  | { kind: 'ringing'; escalationId: string }
  | { kind: 'unanswered'; escalationId: string }
  | { kind: 'failed' };

const escalationAnswerSchema = z.object({ escalationId: z.string().uuid(), status: z.string() });

export interface CallbackDetails {
  name: string;
  contact: string;
  reason: string;
}

/** The API's limits, checked here so the model can be asked for what is missing instead. */
const callbackDetailsSchema = z.object({
  name: z.string().trim().min(1).max(200),
  contact: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(1).max(500),
});

function logOutcome(logger: AgentLogger, callId: string, what: string, outcome: SendOutcome): void {
  // Status and code only: the request held what the visitor said (and for a callback, who they are).
  if (outcome.kind === 'drop') {
    logger.warn(
      { callId, status: outcome.status, code: outcome.code, field: outcome.field },
      `${what} refused`,
    );
  } else if (outcome.kind === 'retry') {
    logger.warn({ callId, status: outcome.status, detail: outcome.detail }, `${what} failed`);
  }
}

/** `POST /internal/calls/:id/escalations`: never throws; a failure is `failed`. */
export async function askForPerson(
  api: InternalApi,
  callId: string,
  reason: string,
  logger: AgentLogger,
): Promise<PersonAnswer> {
  const outcome = await sendWithRetry(
    api,
    callId,
    'escalations',
    { reason: reason.trim().slice(0, 500) },
    { logger },
  );
  if (outcome.kind !== 'ok') {
    logOutcome(logger, callId, 'escalation request', outcome);
    return { kind: 'failed' };
  }
  const parsed = escalationAnswerSchema.safeParse(outcome.body);
  if (!parsed.success) {
    logger.error({ callId }, 'escalation answer does not match the contract');
    return { kind: 'failed' };
  }
  const { escalationId, status } = parsed.data;
  logger.info({ callId, escalationId, status }, 'asked for a person');
  // A retry may find the escalation already accepted: someone is coming either way.
  return status === 'unanswered' ? { kind: 'unanswered', escalationId } : { kind: 'ringing', escalationId };
}

export type CallbackResult = 'saved' | 'incomplete' | 'failed';

/** `POST /internal/calls/:id/callback-requests` (one per call; a retry gets the same one). */
export async function saveCallbackRequest(
  api: InternalApi,
  callId: string,
  details: CallbackDetails,
  logger: AgentLogger,
): Promise<CallbackResult> {
  const parsed = callbackDetailsSchema.safeParse(details);
  if (!parsed.success) {
    logger.info(
      { callId, fields: parsed.error.issues.map((i) => i.path.join('.')) },
      'callback details incomplete',
    );
    return 'incomplete';
  }
  const outcome = await sendWithRetry(api, callId, 'callback-requests', parsed.data, { logger });
  if (outcome.kind !== 'ok') {
    logOutcome(logger, callId, 'callback request', outcome);
    return 'failed';
  }
  logger.info({ callId }, 'callback request saved');
  return 'saved';
}
