import type { AgentLogger } from './logger.ts';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

async function activeJobs(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/worker`, { signal: AbortSignal.timeout(500) });
    const body = (await res.json()) as { active_jobs?: unknown };
    return typeof body.active_jobs === 'number' ? body.active_jobs : null;
  } catch {
    return null;
  }
}

/**
 * @livekit/agents 1.9.0 can hang for good on SIGINT/SIGTERM received while its idle job
 * processes are still starting (the pool closes a process that has not started yet, which then
 * starts and is never joined). The framework still drains running calls first; this only steps
 * in once its own HTTP endpoint reports no active job for `graceMs`, then exits with the code
 * the framework would have used. Job processes left behind exit on their own once orphaned.
 */
export function installShutdownWatchdog(options: {
  port: number;
  logger: AgentLogger;
  graceMs?: number;
  pollMs?: number;
}): void {
  const graceMs = options.graceMs ?? 5_000;
  let armed = false;
  const arm = (signal: keyof typeof EXIT_CODES) => {
    if (armed) return;
    armed = true;
    let idleSince: number | null = null;
    const timer = setInterval(async () => {
      const active = await activeJobs(options.port);
      if (active !== 0) {
        idleSince = null; // busy, or endpoint gone (the framework is closing normally)
        return;
      }
      idleSince ??= Date.now();
      if (Date.now() - idleSince < graceMs) return;
      options.logger.warn({ signal }, 'worker did not exit after its jobs ended, forcing exit');
      process.exit(EXIT_CODES[signal]);
    }, options.pollMs ?? 1_000);
    timer.unref();
  };
  process.on('SIGINT', () => arm('SIGINT'));
  process.on('SIGTERM', () => arm('SIGTERM'));
}
