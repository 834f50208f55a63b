import { llm } from '@livekit/agents';

/** Tool descriptions and results are streamed to the visitor's browser: short and neutral only. */
const END_CALL_DESCRIPTION =
  'Ends the call. Use it only when the caller clearly says they are finished (for example "that is all, ' +
  'bye"). Do not use it when the caller asks to wait, hold or be transferred, or when unsure.';
export const END_CALL_RESULT = 'Say a short, polite goodbye now. The call ends after it.';

export interface EndCallHooks {
  /** Called as the tool runs, before the goodbye is generated: the goodbye must not be cut off. */
  onGoodbye(): void;
  /** Called once the speech holding the goodbye is done. */
  onEndCall(): void;
}

export function endCallTool(hooks: EndCallHooks) {
  return llm.tool({
    name: 'end_call',
    description: END_CALL_DESCRIPTION,
    execute: async (_args, { ctx }) => {
      hooks.onGoodbye();
      // The goodbye this result asks for is generated in the same speech (pipeline) or in a reply
      // scheduled right after it (realtime); ending drains queued speech, so it is heard in full.
      ctx.speechHandle.addDoneCallback(() => hooks.onEndCall());
      return END_CALL_RESULT;
    },
  });
}
