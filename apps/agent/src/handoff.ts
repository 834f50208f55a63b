import type { llm, voice } from '@livekit/agents';
import { ESCALATION_MISSES, type EscalationMiss, type RoomState } from '@voicedesk/core';
import type { HeardSpeech } from './call-collector.ts';
import type { PersonAnswer } from './escalation-requests.ts';
import { type AgentLogger, errorFacts } from './logger.ts';

/** Asked of the model, so streamed to the visitor's browser: neutral words only. */
export const BACK_FROM_STAFF =
  'The support team member has handed the call back to you. Tell the caller briefly that you are back ' +
  'with them, and carry on from what was said.';
export const BACK_AFTER_STAFF_LEFT =
  'The support team member has left the call. Tell the caller briefly that you are back with them, and ' +
  'carry on from what was said.';
export const OFFER_CALLBACK =
  'Nobody from the support team could take the call. Apologise briefly and offer a callback: if the ' +
  'caller wants one, ask for their name, a phone number or email address and what it is about, then ' +
  'use request_callback.';

/** The session calls the hand-off makes (an AgentSession; a fake in unit tests). */
export interface HandoffSession {
  readonly input: { setAudioEnabled(enabled: boolean): void };
  interrupt(options?: { force?: boolean }): unknown;
  clearUserTurn(): void;
  generateReply(options: { instructions: string }): unknown;
}

export interface HandoffOptions {
  session: HandoffSession;
  agent: { readonly chatCtx: voice.Agent['chatCtx']; updateChatCtx(ctx: llm.ChatContext): Promise<void> };
  /** The worker's own transcription: takes the visitor over while staff hold the call. */
  side: { setVisitor(on: boolean): Promise<void> };
  askForPerson(reason: string): Promise<PersonAnswer>;
  /** Staff hold the call (true) or gave it back (false): the job pauses its idle watch and time limit. */
  onHold(held: boolean): void;
  /** The call is ending (a goodbye is due): no "I'm back" line then. */
  ending(): boolean;
  logger: AgentLogger;
}

type Line = { who: 'Caller' | 'Support team'; text: string };

function isMiss(outcome: RoomState['outcome']): outcome is EscalationMiss {
  return (ESCALATION_MISSES as readonly string[]).includes(outcome ?? '');
}

/**
 * The assistant's side of a hand-off to staff, driven by the room's phase (room-phase.ts).
 * `human`: interrupt whatever is being said and detach the visitor's audio from the voice session
 * (so nothing reaches the model and no reply is made, in realtime and pipeline mode alike), and
 * transcribe the visitor with the worker's own stream, as the staff member is. Back to `ai` from
 * staff: attach the visitor again, put what was said meanwhile in the chat context and say the
 * assistant is back. Back to `ai` because nobody took the call: offer a callback, unless the
 * `transfer_to_human` result already told the model so.
 */
export class Handoff {
  #quiet = false;
  #lines: Line[] = [];
  #transfer: Promise<PersonAnswer> | null = null;
  /** Escalations whose miss the model already heard of (the tool's result, or an offer made). */
  readonly #missHandled = new Set<string>();
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: HandoffOptions) {}

  /** Staff hold the call: the assistant makes no replies. */
  get quiet(): boolean {
    return this.#quiet;
  }

  /** `transfer_to_human`'s request, remembered so a miss is offered a callback once. */
  askForPerson(reason: string): Promise<PersonAnswer> {
    const asking = this.opts.askForPerson(reason).then((answer) => {
      if (answer.kind === 'unanswered') this.#missHandled.add(answer.escalationId);
      return answer;
    });
    this.#transfer = asking;
    void asking.finally(() => {
      if (this.#transfer === asking) this.#transfer = null;
    });
    return asking;
  }

  /** A speech the session starts while staff hold the call is cut before it plays. */
  speechCreated(handle: voice.SpeechHandle): void {
    if (!this.#quiet) return;
    this.opts.logger.warn({}, 'a reply started while staff hold the call, interrupting it');
    handle.interrupt(true);
  }

  /** Lines transcribed while staff hold the call, for the assistant's chat context. */
  heard(speech: HeardSpeech): void {
    if (!this.#quiet || speech.type !== 'final' || !speech.text.trim()) return;
    this.#lines.push({
      who: speech.speaker === 'visitor' ? 'Caller' : 'Support team',
      text: speech.text.trim(),
    });
  }

  /** A phase step from the room metadata; steps are applied one after another. */
  apply(state: RoomState, initial: boolean): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#apply(state, initial))
      .catch((error: unknown) => {
        this.opts.logger.error(errorFacts(error), 'could not apply a phase step');
      });
    return this.#queue;
  }

  async #apply(state: RoomState, initial: boolean): Promise<void> {
    const { logger } = this.opts;
    logger.info(
      { phase: state.phase, outcome: state.outcome, escalationId: state.escalationId, initial },
      'call phase',
    );
    if (state.phase === 'human') {
      if (!this.#quiet) await this.#goQuiet();
      return;
    }
    if (this.#quiet) {
      await this.#comeBack(state.outcome === 'staff_left' ? BACK_AFTER_STAFF_LEFT : BACK_FROM_STAFF);
      return;
    }
    // A restarted job reads a past miss as its starting point, not as news.
    if (!initial && state.phase === 'ai' && isMiss(state.outcome) && state.escalationId) {
      await this.#offerCallback(state.escalationId);
    }
  }

  async #goQuiet(): Promise<void> {
    const { session, logger } = this.opts;
    this.#quiet = true;
    this.#lines = [];
    this.opts.onHold(true);
    session.input.setAudioEnabled(false);
    try {
      session.clearUserTurn();
    } catch {
      // nothing pending, or a mode without a user turn to clear
    }
    try {
      // force: a goodbye or any other speech, whatever its interruption setting.
      session.interrupt({ force: true });
    } catch (error) {
      logger.warn(errorFacts(error), 'could not interrupt the assistant');
    }
    await this.opts.side.setVisitor(true);
    logger.info({}, 'staff hold the call: the assistant is quiet and transcribes');
  }

  async #comeBack(instructions: string): Promise<void> {
    const { session, agent, logger } = this.opts;
    // The visitor's stream first settles what it already heard, so those lines are in too.
    await this.opts.side.setVisitor(false);
    this.#quiet = false;
    const lines = this.#lines.splice(0);
    if (lines.length > 0) {
      const ctx = agent.chatCtx.copy();
      ctx.addMessage({
        role: 'system',
        content: [
          'While a member of the support team had the call, this was said:',
          ...lines.map((line) => `${line.who}: ${line.text}`),
        ].join('\n'),
      });
      await agent.updateChatCtx(ctx).catch((error: unknown) => {
        logger.warn(errorFacts(error), 'could not give the assistant what was said meanwhile');
      });
    }
    session.input.setAudioEnabled(true);
    this.opts.onHold(false);
    logger.info({ lines: lines.length }, 'the call is back with the assistant');
    if (!this.opts.ending()) session.generateReply({ instructions });
  }

  async #offerCallback(escalationId: string): Promise<void> {
    // The API writes the miss before it answers the request: wait for the tool's own answer.
    if (this.#transfer) await this.#transfer.catch(() => undefined);
    if (this.#missHandled.has(escalationId)) return;
    this.#missHandled.add(escalationId);
    this.opts.logger.info({ escalationId }, 'nobody took the call, offering a callback');
    this.opts.session.generateReply({ instructions: OFFER_CALLBACK });
  }
}
