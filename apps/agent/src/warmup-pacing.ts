import { setTimeout as sleep } from 'node:timers/promises';
// The framework does not export its process pool. Imported by path, this is the very module the
// framework's worker imports (the same file under tsx and node; one module in the bundle).
import { ProcPool } from '../../../node_modules/@livekit/agents/dist/ipc/proc_pool.js';

/** What pacing reads of a pool: whether it closed, and its warm processes waiting for a call. */
export interface WarmPool {
  closed: boolean;
  warmedProcQueue: { items: readonly unknown[] };
}

/** How often a held start looks again whether the last warm process was taken. */
const POLL_MS = 20;

/**
 * Waits until `holdMs` have passed, or no warm process is left, or the pool closed, whichever
 * comes first. Called as a replacement starts: a call has just taken a warm process and is
 * setting up, and while other warm processes wait the next call does not need this one yet.
 */
export async function holdWarmup(pool: WarmPool, holdMs: number): Promise<void> {
  const until = Date.now() + holdMs;
  while (!pool.closed && pool.warmedProcQueue.items.length > 0) {
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(POLL_MS, left));
  }
}

/**
 * The framework's pool starts a replacement the moment a call takes a warm process. Starting a
 * process costs most of a core for about half a second, the same half second in which the call
 * joins its room and starts its voice session: on two cores, calls 3 s apart heard their greeting
 * about 250 ms later for it (bench/call-bench.ts). Each start now waits `holdMs`, unless the pool
 * has no warm process left, so calls close together are not left waiting for one.
 *
 * `procWatchTask` runs once for each process the pool starts, its first ones included (those find
 * no warm process and go at once). @livekit/agents is pinned exactly; warmup-pacing.test.ts fails
 * if a later version moves what this relies on, and `paceWarmups` then leaves the pool as it is.
 */
export function paceWarmups(
  holdMs: number,
  pool: PoolClass = ProcPool as unknown as PoolClass,
): 'paced' | 'off' | 'unavailable' {
  if (holdMs <= 0) return 'off';
  const proto = pool.prototype;
  const start = proto.procWatchTask;
  if (typeof start !== 'function' || !isWarmPool(probePool(pool))) return 'unavailable';
  if (Reflect.get(start, PACED) === true) return 'paced';
  const paced = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    if (isWarmPool(this)) await holdWarmup(this, holdMs);
    return start.apply(this, args);
  };
  Reflect.set(paced, PACED, true);
  proto.procWatchTask = paced;
  return 'paced';
}

const PACED = Symbol('voicedesk.pacedWarmup');

/** The pool's class as pacing sees it (a stand-in in tests). */
export interface PoolClass {
  prototype: Record<string, unknown>;
  new (options: ConstructorParameters<typeof ProcPool>[0]): unknown;
}

/** A pool that is never started: its constructor starts no process. */
function probePool(pool: PoolClass): unknown {
  return new pool({
    agent: '',
    numIdleProcesses: 1,
    initializeTimeout: 0,
    closeTimeout: 0,
    sessionEndTimeout: 0,
    memoryWarnMB: 0,
    memoryLimitMB: 0,
  });
}

function isWarmPool(pool: unknown): pool is WarmPool {
  const queue = (pool as Partial<WarmPool> | null)?.warmedProcQueue;
  return Array.isArray(queue?.items) && typeof (pool as WarmPool).closed === 'boolean';
}
