import type { voice } from '@livekit/agents';
import type { AssistantConfig } from '@voicedesk/core';
import {
  type CachedGreeting,
  type GreetingCache,
  GreetingTap,
  greetingFrames,
  greetingFromFrames,
  greetingKey,
} from './greeting-cache.ts';
import { sayExactly } from './instructions.ts';
import { type AgentLogger, errorFacts } from './logger.ts';
import type { VoiceModel } from './model.ts';
import type { GreetingSource } from './setup-trace.ts';
import type { SupportAgent } from './support-agent.ts';

const GREET_FREELY = 'Greet the caller briefly and ask how you can help.';
/** The model generates a greeting in a few seconds; this only bounds a reply that never ended. */
const TAP_SETTLE_MS = 30_000;

export interface GreetingOptions {
  session: voice.AgentSession;
  agent: SupportAgent;
  model: VoiceModel;
  assistant: AssistantConfig;
  /** The name of the model whose voice speaks the greeting: the realtime model, or the TTS's. */
  modelName: string;
  cache: GreetingCache;
  logger: AgentLogger;
}

/**
 * The call's first words. A site's greeting is spoken once, by the realtime model or read out by
 * the TTS (pipeline mode), and kept: later calls play the kept audio at once instead of waiting
 * for a model round trip, and the words join the conversation so the model knows it said them.
 * The cache is looked up as soon as the site's settings arrive, while the visitor is still
 * joining.
 */
export class Greeting {
  readonly #opts: GreetingOptions;
  readonly #text: string;
  readonly #key: string;
  readonly #cached: Promise<CachedGreeting | undefined>;
  #saving: Promise<void> = Promise.resolve();
  #tap: GreetingTap | undefined;

  constructor(opts: GreetingOptions) {
    this.#opts = opts;
    const { assistant, cache, logger } = opts;
    this.#text = assistant.greeting.trim();
    this.#key = greetingKey({
      model: opts.modelName,
      voice: assistant.voice,
      language: assistant.language,
      text: this.#text,
    });
    this.#cached = this.#text
      ? cache.load(assistant.siteId, this.#key).catch((error: unknown) => {
          logger.warn(errorFacts(error), 'kept greeting unreadable, asking the model');
          return undefined;
        })
      : Promise.resolve(undefined);
  }

  async say(): Promise<GreetingSource> {
    const { session, agent, model } = this.#opts;
    const cached = await this.#cached;
    if (cached) {
      const handle = session.say(cached.text, { audio: greetingFrames(cached) });
      // The session adds the greeting (as far as it was heard) to the agent's context, which the
      // LLM is sent with each turn; the realtime model's own conversation learns it here.
      if (model.mode === 'realtime') {
        void handle
          .waitForPlayout()
          .then(() => agent.updateChatCtx(agent.chatCtx.copy()))
          .catch((error: unknown) =>
            this.#opts.logger.warn(errorFacts(error), 'the model was not told of the kept greeting'),
          );
      }
      return 'cache';
    }
    if (!this.#text) {
      session.generateReply({ instructions: GREET_FREELY });
      return 'model';
    }
    const tap = new GreetingTap();
    this.#tap = tap;
    let handle: voice.SpeechHandle;
    if (model.mode === 'pipeline') {
      tap.knownText(this.#text);
      agent.tapNextSpeech(tap);
      handle = session.say(this.#text);
    } else {
      agent.tapNextReply(tap);
      handle = session.generateReply({ instructions: sayExactly(this.#text) });
    }
    this.#saving = this.#keep(handle, tap).catch((error: unknown) =>
      this.#opts.logger.warn(errorFacts(error), 'could not keep the greeting'),
    );
    return model.mode === 'pipeline' ? 'tts' : 'model';
  }

  /**
   * At the job's end: a greeting the model had not finished is dropped at once (waiting for it
   * would hold the job's process, and a slot of the worker, for nothing); one being written is
   * waited for.
   */
  async close(): Promise<void> {
    this.#tap?.abandon();
    await this.#saving;
  }

  /**
   * Kept once the model finished generating it, even if the visitor hangs up while it plays; not
   * when the visitor spoke over it before the model was done (a cut reply would shorten every
   * later call's greeting).
   */
  async #keep(handle: voice.SpeechHandle, tap: GreetingTap): Promise<void> {
    const disarm = () => this.#opts.agent.untap(tap);
    void handle.waitForPlayout().then(disarm, disarm);
    const timer = setTimeout(() => tap.abandon(), TAP_SETTLE_MS);
    const reply = await tap.done;
    clearTimeout(timer);
    if (!reply || handle.interrupted || !reply.text) return;
    const greeting = greetingFromFrames(this.#key, reply.text, reply.frames);
    if (!greeting) return;
    await this.#opts.cache.save(this.#opts.assistant.siteId, greeting);
    const ms = Math.round((greeting.pcm.length / greeting.sampleRate / greeting.channels) * 1000);
    this.#opts.logger.info({ ms }, "greeting kept for the site's next calls");
  }
}
