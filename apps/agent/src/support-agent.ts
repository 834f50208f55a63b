import { llm, voice } from '@livekit/agents';
import type { AssistantConfig } from '@voicedesk/core';
import { buildInstructions } from './instructions.ts';
import { type EndCallHooks, endCallTool } from './tools/end-call.ts';

/**
 * What was said before this job took the call (a resumed call, after a LiveKit node died):
 * the conversation carries on instead of starting over. Only the visitor's own call.
 */
export function resumedChatContext(history: AssistantConfig['history']): llm.ChatContext {
  const ctx = llm.ChatContext.empty();
  for (const line of history) {
    ctx.addMessage({ role: line.speaker === 'assistant' ? 'assistant' : 'user', content: line.text });
  }
  return ctx;
}

/** The site's assistant: its own instructions behind a fixed safety preamble, and one tool. */
export class SupportAgent extends voice.Agent {
  constructor(assistant: AssistantConfig, endCall: EndCallHooks) {
    super({
      instructions: buildInstructions(assistant),
      tools: [endCallTool(endCall)],
      ...(assistant.resumed ? { chatCtx: resumedChatContext(assistant.history) } : {}),
    });
  }
}
