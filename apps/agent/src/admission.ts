/**
 * Keeps a worker's calls within `AGENT_MAX_CALLS` when a burst of job requests comes faster than
 * the worker tells livekit-server its load (every 2.5 s, worker-load.ts): until the next report
 * the server still sees the old load, and offers it every call. A job counts from its acceptance
 * (the framework lists it as running only once a process has taken it) until it ends; one whose
 * assignment never came stops counting after `launchGraceMs`.
 */
export class Admission {
  readonly #maxCalls: number;
  readonly #launchGraceMs: number;
  /** Accepted, not yet seen running: job id → when accepted. */
  readonly #starting = new Map<string, number>();

  constructor(maxCalls: number, launchGraceMs = 30_000) {
    this.#maxCalls = maxCalls;
    this.#launchGraceMs = launchGraceMs;
  }

  /**
   * Whether the job gets a slot, given the ids of the jobs running now; a yes takes the slot.
   * Call `observe` often as well: a job that starts and ends between two requests must be seen
   * running once, or its slot stays taken until the grace is over.
   */
  admit(jobId: string, running: ReadonlySet<string>, now: number = Date.now()): boolean {
    this.observe(running, now);
    if (running.size + this.#starting.size >= this.#maxCalls) return false;
    this.#starting.set(jobId, now);
    return true;
  }

  /** Jobs seen running are counted as running from now on, not as starting. */
  observe(running: ReadonlySet<string>, now: number = Date.now()): void {
    for (const [id, acceptedAt] of this.#starting) {
      if (running.has(id) || now - acceptedAt >= this.#launchGraceMs) this.#starting.delete(id);
    }
  }
}
