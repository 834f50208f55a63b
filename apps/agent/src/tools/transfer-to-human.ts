import { llm } from '@livekit/agents';
import { z } from 'zod';
import type { PersonAnswer } from '../escalation-requests.ts';

/** Description, arguments and result are streamed to the visitor's browser: neutral words only. */
const TRANSFER_DESCRIPTION =
  'Asks for a person from the support team to join the call. Use it when the caller asks to talk to a ' +
  'person, or when you cannot help them.';
const REASON_DESCRIPTION =
  'One short sentence saying why, in words the caller may read, for example "The caller asked to talk ' +
  'to a person." No names, contact details or other personal data.';

export const TRANSFER_RINGING =
  'Someone from the team is being asked to join. Tell the caller briefly that you are finding someone ' +
  'to help and keep them company while they wait. Do not promise how long it takes.';
export const TRANSFER_UNANSWERED =
  'Nobody from the team can take the call right now. Tell the caller so, and offer a callback: if they ' +
  'want one, ask for their name, a phone number or email address and what it is about, then use ' +
  'request_callback.';
export const TRANSFER_FAILED =
  'The team cannot be reached right now. Apologise, keep helping if you can, or offer a callback with ' +
  'request_callback.';

export interface TransferHooks {
  /** Asks the API for a person; never throws. */
  askForPerson(reason: string): Promise<PersonAnswer>;
}

export function transferToHumanTool(hooks: TransferHooks) {
  return llm.tool({
    name: 'transfer_to_human',
    description: TRANSFER_DESCRIPTION,
    parameters: z.object({ reason: z.string().describe(REASON_DESCRIPTION) }),
    execute: async ({ reason }) => {
      const answer = await hooks.askForPerson(reason);
      if (answer.kind === 'ringing') return TRANSFER_RINGING;
      if (answer.kind === 'unanswered') return TRANSFER_UNANSWERED;
      return TRANSFER_FAILED;
    },
  });
}
