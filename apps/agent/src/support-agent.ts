import { ReadableStream } from 'node:stream/web';
import { llm, voice } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import type { AssistantConfig } from '@voicedesk/core';
import type { GreetingTap } from './greeting-cache.ts';
import { buildInstructions } from './instructions.ts';
import { type EndCallHooks, endCallTool } from './tools/end-call.ts';
import { type CallbackHooks, requestCallbackTool } from './tools/request-callback.ts';
import { type TransferHooks, transferToHumanTool } from './tools/transfer-to-human.ts';

type TranscriptInput = Parameters<voice.Agent['transcriptionNode']>[0];

export interface SupportAgentHooks {
  endCall: EndCallHooks;
  transfer: TransferHooks;
  callback: CallbackHooks;
}

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

/**
 * The site's assistant: its own instructions behind a fixed safety preamble, and its tools (end
 * the call, hand it to a person, take a callback request).
 */
export class SupportAgent extends voice.Agent {
  #tap: GreetingTap | undefined;
  #textTap: GreetingTap | undefined;
  #speechTap: GreetingTap | undefined;

  constructor(assistant: AssistantConfig, hooks: SupportAgentHooks) {
    super({
      instructions: buildInstructions(assistant),
      tools: [
        endCallTool(hooks.endCall),
        transferToHumanTool(hooks.transfer),
        requestCallbackTool(hooks.callback),
      ],
      ...(assistant.resumed ? { chatCtx: resumedChatContext(assistant.history) } : {}),
    });
  }

  /** The next reply (its audio and its transcript) goes through `tap` too: the greeting, to keep. */
  tapNextReply(tap: GreetingTap): void {
    this.#tap = tap;
  }

  /** The audio of the next text the voice reads out (pipeline mode) goes through `tap` too. */
  tapNextSpeech(tap: GreetingTap): void {
    this.#speechTap = tap;
  }

  /** Disarms `tap` if its reply never came (a failed generation must not hand the next one to it). */
  untap(tap: GreetingTap): void {
    if (this.#tap === tap) this.#tap = undefined;
    if (this.#textTap === tap) this.#textTap = undefined;
    if (this.#speechTap === tap) this.#speechTap = undefined;
  }

  override async ttsNode(
    text: ReadableStream<string> | AsyncIterable<string>,
    settings: voice.ModelSettings,
  ): Promise<ReadableStream<AudioFrame> | null> {
    const out = await super.ttsNode(text, settings);
    const tap = this.#speechTap;
    this.#speechTap = undefined;
    return out && tap ? tap.tapAudio(out) : out;
  }

  override async realtimeAudioOutputNode(
    audio: ReadableStream<AudioFrame> | AsyncIterable<AudioFrame>,
    settings: voice.ModelSettings,
  ): Promise<ReadableStream<AudioFrame> | null> {
    const out = await super.realtimeAudioOutputNode(audio, settings);
    const tap = this.#tap;
    if (!out || !tap) return out;
    // The same reply's transcript comes through transcriptionNode next.
    this.#textTap = tap;
    this.#tap = undefined;
    return tap.tapAudio(out);
  }

  override async transcriptionNode(text: TranscriptInput, settings: voice.ModelSettings) {
    const tap = this.#textTap;
    this.#textTap = undefined;
    const tapped = tap && text instanceof ReadableStream ? tap.tapText(text) : text;
    return super.transcriptionNode(tapped, settings);
  }
}
