import { voice } from '@livekit/agents';
import type { AssistantConfig } from '@voicedesk/core';
import { buildInstructions } from './instructions.ts';
import { type EndCallHooks, endCallTool } from './tools/end-call.ts';

/** The site's assistant: its own instructions behind a fixed safety preamble, and one tool. */
export class SupportAgent extends voice.Agent {
  constructor(assistant: AssistantConfig, endCall: EndCallHooks) {
    super({ instructions: buildInstructions(assistant), tools: [endCallTool(endCall)] });
  }
}
