import { llm, voice } from '@livekit/agents';
import type { AssistantConfig } from '@voicedesk/core';
import { buildInstructions } from './instructions.ts';

/** Tool descriptions and results are streamed to the visitor's browser: short and neutral only. */
const END_CALL_DESCRIPTION =
  'Ends the call. Use it only when the caller clearly says they are finished (for example "that is all, ' +
  'bye"). Do not use it when the caller asks to wait, hold or be transferred, or when unsure.';
const END_CALL_RESULT = 'Say a short, polite goodbye now. The call ends after it.';

function endCallTool(onEndCall: () => void) {
  return llm.tool({
    name: 'end_call',
    description: END_CALL_DESCRIPTION,
    execute: async (_args, { ctx }) => {
      // The goodbye this result asks for is generated in the same speech (pipeline) or in a reply
      // scheduled right after it (realtime); ending drains queued speech, so it is heard in full.
      ctx.speechHandle.addDoneCallback(() => onEndCall());
      return END_CALL_RESULT;
    },
  });
}

/** The site's assistant: its own instructions behind a fixed safety preamble, and one tool. */
export class SupportAgent extends voice.Agent {
  constructor(assistant: AssistantConfig, onEndCall: () => void) {
    super({ instructions: buildInstructions(assistant), tools: [endCallTool(onEndCall)] });
  }
}
