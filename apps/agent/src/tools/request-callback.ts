import { llm } from '@livekit/agents';
import { z } from 'zod';
import type { CallbackDetails, CallbackResult } from '../escalation-requests.ts';

/**
 * Description, arguments and result are streamed to the visitor's browser. The arguments are the
 * visitor's own details, so they may appear there; the results never repeat them.
 */
const CALLBACK_DESCRIPTION =
  'Saves a request for the support team to call or write back, then the call ends. Use it only after ' +
  'the caller agreed to a callback and gave their name, a phone number or email address, and what it ' +
  'is about.';

export const CALLBACK_SAVED =
  'The callback request is saved. Thank the caller, tell them someone from the team will get back to ' +
  'them, and say a short goodbye. The call ends after it.';
export const CALLBACK_INCOMPLETE =
  'Something is missing: ask the caller for their name, a phone number or email address, and what it is ' +
  'about, then use request_callback again.';
export const CALLBACK_FAILED =
  'The callback request could not be saved. Apologise and suggest the caller tries again later.';

export interface CallbackHooks {
  /** Stores the request with the API; never throws. */
  saveCallback(details: CallbackDetails): Promise<CallbackResult>;
  /** Called once the request is saved, before the goodbye is generated: it must not be cut off. */
  onGoodbye(): void;
  /** Called once the speech holding the goodbye is done. */
  onEndCall(): void;
}

export function requestCallbackTool(hooks: CallbackHooks) {
  return llm.tool({
    name: 'request_callback',
    description: CALLBACK_DESCRIPTION,
    parameters: z.object({
      name: z.string().describe("The caller's name."),
      contact: z.string().describe('A phone number or email address to reach the caller.'),
      reason: z.string().describe('What the callback is about, in one or two sentences.'),
    }),
    execute: async (details, { ctx }) => {
      const result = await hooks.saveCallback(details);
      if (result === 'incomplete') return CALLBACK_INCOMPLETE;
      if (result === 'failed') return CALLBACK_FAILED;
      hooks.onGoodbye();
      // As end_call: the goodbye is generated in the same speech (pipeline) or in a reply right
      // after it (realtime), and ending drains queued speech, so it is heard in full.
      ctx.speechHandle.addDoneCallback(() => hooks.onEndCall());
      return CALLBACK_SAVED;
    },
  });
}
