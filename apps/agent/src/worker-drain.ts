import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentLogger } from './logger.ts';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;
const STOP_SIGNALS = Object.keys(EXIT_CODES) as StopSignal[];

/** What draining uses of the framework's worker (`AgentServer`). */
export interface DrainableWorker {
  drain(): Promise<unknown>;
  close(): Promise<unknown>;
  readonly activeJobs: readonly unknown[];
}

export interface DrainOptions {
  /** The framework's worker, once its CLI has started it. */
  worker: () => DrainableWorker | undefined;
  logger: AgentLogger;
  /** How long the framework's own close may take once no call is left; it can hang for good. */
  closeTimeoutMs?: number;
  /** How often the running calls are counted. */
  pollMs?: number;
  exit?: (code: number) => void;
}

/**
 * Stops the worker without cutting a call short: it takes no more calls, every running call goes
 * on until it ends by itself, and then the worker exits with the signal's exit code.
 *
 * Not the framework's own drain: in @livekit/agents 1.9.0 `drain()` joins every job process, and
 * one still waiting its turn to start (right after the worker starts, and whenever a call has
 * taken a warm process and its replacement is queued) makes it fail at once with "runner not
 * started". Its CLI then closes the worker, which ends the calls it was meant to wait for, and
 * that close can hang for good on the process that never started.
 */
export async function drainAndExit(signal: StopSignal, options: DrainOptions): Promise<void> {
  const worker = options.worker();
  if (worker) {
    // Marks the worker full at LiveKit and refuses job requests already on their way. Its own
    // wait for the calls is the part that fails, so the calls are counted here instead.
    worker.drain().catch(() => {});
    const running = worker.activeJobs.length;
    if (running > 0) options.logger.info({ signal, calls: running }, 'stopping once the running calls end');
    // A job counts as active until its process has exited, so its call is over and reported.
    while (worker.activeJobs.length > 0) await sleep(options.pollMs ?? 250);
    const closed = await Promise.race([
      worker.close().then(
        () => true,
        () => true,
      ),
      sleep(options.closeTimeoutMs ?? 1_000).then(() => false),
    ]);
    if (!closed) options.logger.warn({ signal }, 'worker did not close after its calls ended, exiting');
  }
  exitOn(signal, options);
}

function exitOn(signal: StopSignal, options: DrainOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  exit(EXIT_CODES[signal]);
}

/**
 * Replaces the stop handlers the framework's CLI registered (those not in `before`) with the
 * drain above; a second signal exits at once. Returns 'unavailable', and leaves the framework's
 * handlers alone, when it finds none to replace.
 */
export function takeOverStopSignals(
  before: Record<StopSignal, readonly unknown[]>,
  options: DrainOptions,
): 'installed' | 'unavailable' {
  const framework = STOP_SIGNALS.map(
    (signal) => [signal, process.listeners(signal).filter((l) => !before[signal].includes(l))] as const,
  );
  if (framework.some(([, added]) => added.length === 0)) return 'unavailable';
  for (const [signal, added] of framework) {
    for (const listener of added) process.removeListener(signal, listener);
  }
  let stopping = false;
  const onSignal = (signal: StopSignal) => {
    if (stopping) return exitOn(signal, options);
    stopping = true;
    void drainAndExit(signal, options);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => onSignal(signal));
  return 'installed';
}
