import { describe, expect, it } from 'vitest';
import type { AgentLogger } from './logger.ts';
import { type DrainableWorker, drainAndExit } from './worker-drain.ts';

const quiet: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The framework's worker as 1.9.0 behaves with a job process still waiting to start. */
function workerWithCalls(calls: number) {
  const jobs: unknown[] = Array.from({ length: calls }, (_, i) => ({ id: `job-${i}` }));
  const worker: DrainableWorker & { drained: boolean; closed: boolean } = {
    drained: false,
    closed: false,
    get activeJobs() {
      return jobs;
    },
    drain() {
      worker.drained = true;
      return Promise.reject(new Error('runner not started'));
    },
    close() {
      worker.closed = true;
      return new Promise<never>(() => {}); // hangs for good
    },
  };
  return { worker, endCall: () => jobs.pop() };
}

describe('stopping the worker', () => {
  it('waits for every running call to end, even when the framework drain fails at once', async () => {
    const { worker, endCall } = workerWithCalls(2);
    const exits: number[] = [];
    const done = drainAndExit('SIGTERM', {
      worker: () => worker,
      logger: quiet,
      pollMs: 5,
      closeTimeoutMs: 20,
      exit: (code) => exits.push(code),
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(worker.drained).toBe(true);
    expect(worker.closed).toBe(false);
    expect(exits).toEqual([]);

    endCall();
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([]);

    endCall();
    await done;
    // Closed only once no call was left, and exited although that close never finished.
    expect(worker.closed).toBe(true);
    expect(exits).toEqual([143]);
  });

  it('exits at once, with the code of the signal, before the worker has registered', async () => {
    const exits: number[] = [];
    await drainAndExit('SIGINT', {
      worker: () => undefined,
      logger: quiet,
      exit: (code) => exits.push(code),
    });
    expect(exits).toEqual([130]);
  });
});
