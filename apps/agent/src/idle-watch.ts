import type { voice } from '@livekit/agents';

export type IdleStep = 'check_in' | 'give_up';

/**
 * The site's idle limit, read from the session's own states: the call is quiet while the
 * assistant listens and the visitor is not speaking. A quiet stretch of `idleMs` asks for a
 * check-in; a second one with no visitor speech in between asks to give up. The framework's own
 * "away" state is not used: it fires once and is only left on visitor speech, so it cannot time
 * the stretch after the check-in.
 */
export class IdleWatch {
  #agent: voice.AgentState = 'initializing';
  #user: voice.UserState = 'listening';
  #visitorPresent = false;
  #checkedIn = false;
  #stopped = false;
  #held = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: (step: IdleStep) => void,
  ) {}

  agentState(state: voice.AgentState): void {
    this.#agent = state;
    this.#update();
  }

  userState(state: voice.UserState): void {
    this.#user = state;
    if (state === 'speaking') this.#checkedIn = false;
    this.#update();
  }

  /** A visitor whose connection dropped is not silent, just gone: the reconnect grace applies. */
  visitorPresent(present: boolean): void {
    this.#visitorPresent = present;
    this.#update();
  }

  /**
   * While staff hold the call the assistant is quiet on purpose: silence is theirs, not idle.
   * Released, the count starts over.
   */
  hold(held: boolean): void {
    this.#held = held;
    if (!held) this.#checkedIn = false;
    this.#update();
  }

  stop(): void {
    this.#stopped = true;
    this.#update();
  }

  #quiet(): boolean {
    return (
      !this.#stopped &&
      !this.#held &&
      this.#visitorPresent &&
      this.#agent === 'listening' &&
      this.#user !== 'speaking'
    );
  }

  #update(): void {
    if (!this.#quiet()) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.#timer ??= setTimeout(() => this.#elapsed(), this.idleMs);
  }

  #elapsed(): void {
    this.#timer = undefined;
    const step: IdleStep = this.#checkedIn ? 'give_up' : 'check_in';
    this.#checkedIn = true;
    this.onIdle(step);
    // The check-in normally moves the assistant out of listening; if it never speaks, the next
    // stretch still counts.
    this.#update();
  }
}
