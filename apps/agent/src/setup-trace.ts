import type { Metric } from '@voicedesk/core';

/**
 * The steps of a call's setup in the worker, in the order they happen: the job reached this
 * process, the site's assistant settings arrived, the room was joined (the join starts beside
 * the settings fetch, and the voice session waits for it), the voice session started, the
 * visitor joined (as the room told the assistant: on their arrival, or on its own join when they
 * were first) and their microphone track was subscribed, the greeting was asked for, and its
 * first audio frame went out to the room.
 */
export const SETUP_STEPS = [
  'job',
  'assistant',
  'connected',
  'session',
  'visitorJoined',
  'visitorAudio',
  'greeting',
  'firstAudio',
] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

/** Where the greeting's audio came from: a site's cached greeting, the model, or the TTS. */
export type GreetingSource = 'cache' | 'model' | 'tts';

/**
 * Where a call's first second went, kept in production: one `setup` metric (turn 0) holding each
 * step's wall-clock time in epoch ms, so the dashboard and the benchmark can line it up with the
 * API's own times for the call. Sent once, when the greeting's first audio is out, or at the
 * end of a job that never got that far (the steps it reached show where it stopped).
 */
export class SetupTrace {
  readonly #at = new Map<SetupStep, number>();
  readonly #report: (metric: Metric) => void;
  readonly #now: () => number;
  #greetingSource: GreetingSource | undefined;
  #sent = false;

  constructor(report: (metric: Metric) => void, now: () => number = Date.now) {
    this.#report = report;
    this.#now = now;
  }

  /** The first time a step is reached counts: a reconnect does not move the call's setup. */
  mark(step: SetupStep, at: number = this.#now()): void {
    if (this.#sent || this.#at.has(step)) return;
    this.#at.set(step, at);
    if (step === 'firstAudio') this.send();
  }

  greetingFrom(source: GreetingSource): void {
    this.#greetingSource ??= source;
  }

  send(): void {
    if (this.#sent || this.#at.size === 0) return;
    this.#sent = true;
    const values: Metric['values'] = {};
    for (const step of SETUP_STEPS) values[`${step}At`] = this.#at.get(step) ?? null;
    values.greetingSource = this.#greetingSource ?? null;
    // The job process that took the call: each call has one of its own (the pool's promise).
    values.processId = process.pid;
    this.#report({ turn: 0, kind: 'setup', values });
  }
}
