import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type AgentEndCall,
  agentEndCallSchema,
  type MetricBatch,
  metricBatchSchema,
  type SegmentBatch,
  segmentBatchSchema,
  type WitnessBatch,
  witnessBatchSchema,
} from '@voicedesk/core';
import { type InternalApi, sendInternal } from './api-client.ts';
import { backoffDelay, sleep } from './backoff.ts';
import type { AgentLogger } from './logger.ts';

/**
 * Write-ahead log of what the agent owes the API. Every batch is appended before its first
 * send and marked done once the API acknowledged (or refused) it, so a crashed job or an API
 * outage leaves a file the worker replays later. The routes are idempotent (segments by seq,
 * metrics by turn and kind, witness events by participant sid and type, end by call), which is
 * what makes blind replay safe.
 */

export type SpoolRoute = 'segments' | 'metrics' | 'witness' | 'end';
export type SpoolBody = SegmentBatch | MetricBatch | WitnessBatch | AgentEndCall;

/** Every route, in the order a replay sends its lanes: the end last, after what it closes. */
export const SPOOL_ROUTES = [
  'segments',
  'metrics',
  'witness',
  'end',
] as const satisfies readonly SpoolRoute[];

export interface SpooledBatch {
  v: 1;
  type: 'batch';
  id: string;
  callId: string;
  route: SpoolRoute;
  body: SpoolBody;
}

interface DoneLine {
  v: 1;
  type: 'done';
  id: string;
  outcome: 'acked' | 'dropped';
}

const bodySchemas = {
  segments: segmentBatchSchema,
  metrics: metricBatchSchema,
  witness: witnessBatchSchema,
  end: agentEndCallSchema,
} as const satisfies Record<SpoolRoute, unknown>;

export function isValidBody(route: SpoolRoute, body: unknown): body is SpoolBody {
  return bodySchemas[route].safeParse(body).success;
}

/** Spool paths a live reporter in this process still writes to: the replayer must keep off them. */
const activePaths = new Set<string>();

const SUFFIX = '.jsonl';

export function spoolFileName(callId: string, pid: number): string {
  const safeId = callId.replace(/[^A-Za-z0-9-]/g, '_');
  return `${safeId}.${pid}.${randomUUID().slice(0, 8)}${SUFFIX}`;
}

export function parseSpoolFileName(name: string): { callId: string; pid: number } | null {
  const match = /^([A-Za-z0-9_-]+)\.(\d+)\.([a-f0-9]{8})\.jsonl$/.exec(name);
  if (!match?.[1] || !match[2]) return null;
  return { callId: match[1], pid: Number(match[2]) };
}

/**
 * Lines are written in the order they are asked for, one after another, off the event loop: a
 * job process's loop also carries the call's audio, which an fsync on a busy disk would stall.
 */
export class SpoolFile {
  #broken = false;
  #durableEntry = false;
  /** The last write asked for; never rejects (a failed write marks the file broken). */
  #tail: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly logger: AgentLogger,
  ) {}

  /** A new file for one job's reporter. */
  static create(dir: string, callId: string, logger: AgentLogger): SpoolFile {
    const file = new SpoolFile(join(dir, spoolFileName(callId, process.pid)), logger);
    try {
      // Owner only: the files hold the visitor's words.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      file.#fail(error);
    }
    try {
      // mkdir leaves an existing directory's mode alone.
      chmodSync(dir, 0o700);
    } catch (error) {
      logger.warn(
        { path: dir, error: errorName(error) },
        'could not restrict the spool directory to its owner',
      );
    }
    activePaths.add(file.path);
    return file;
  }

  /** An existing file the replayer has claimed. */
  static attach(path: string, logger: AgentLogger): SpoolFile {
    activePaths.add(path);
    return new SpoolFile(path, logger);
  }

  /**
   * Resolves once the line is on disk: the batch's request must not be sent before (a crash
   * would lose what the API never got).
   */
  append(batch: SpooledBatch): Promise<void> {
    return this.#enqueue(batch);
  }

  markDone(id: string, outcome: DoneLine['outcome']): Promise<void> {
    return this.#enqueue({ v: 1, type: 'done', id, outcome } satisfies DoneLine);
  }

  /** Deletes the file once the lines asked for are written: call only when nothing is owed. */
  async remove(): Promise<void> {
    await this.release();
    try {
      rmSync(this.path, { force: true });
    } catch (error) {
      this.logger.warn({ path: this.path, error: errorName(error) }, 'could not delete spool file');
    }
  }

  /** Leaves the file on disk for a later replay, once the lines asked for are written. */
  async release(): Promise<void> {
    await this.#tail;
    activePaths.delete(this.path);
  }

  #enqueue(line: SpooledBatch | DoneLine): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    this.#tail = this.#tail.then(() => this.#write(text));
    return this.#tail;
  }

  async #write(text: string): Promise<void> {
    if (this.#broken) return;
    let file: FileHandle | undefined;
    try {
      file = await open(this.path, 'a', 0o600);
      await file.appendFile(text);
      // A written line may otherwise sit in the page cache through a crash.
      await file.sync();
    } catch (error) {
      this.#fail(error);
    } finally {
      await file?.close().catch(() => undefined);
    }
    if (!this.#broken && !this.#durableEntry) await this.#syncDirectory();
  }

  /** A new file's name is only crash-safe once its directory is synced too. */
  async #syncDirectory(): Promise<void> {
    // Once, even if it fails: not worth a warning on every line.
    this.#durableEntry = true;
    let dir: FileHandle | undefined;
    try {
      dir = await open(dirname(this.path), 'r');
      await dir.sync();
    } catch (error) {
      this.logger.warn({ path: this.path, error: errorName(error) }, 'could not sync the spool directory');
    } finally {
      await dir?.close().catch(() => undefined);
    }
  }

  #fail(error: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    // The call goes on without a spool; what the API has not acknowledged is lost if we crash.
    this.logger.error(
      { path: this.path, error: errorName(error) },
      'spool directory not writable, continuing without crash protection',
    );
  }
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return String(error.code);
  return error instanceof Error ? error.name : 'unknown';
}

/** The batches of a spool file not yet marked done, in the order they were written. */
export function readPendingBatches(path: string, logger: AgentLogger): SpooledBatch[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const batches = new Map<string, SpooledBatch>();
  let corrupt = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      // A crash mid-append leaves a torn last line; anything before it is intact.
      corrupt++;
      continue;
    }
    if (typeof line !== 'object' || line === null) continue;
    const entry = line as { type?: unknown; id?: unknown; callId?: unknown; route?: unknown };
    if (entry.type === 'done' && typeof entry.id === 'string') batches.delete(entry.id);
    else if (
      entry.type === 'batch' &&
      typeof entry.id === 'string' &&
      typeof entry.callId === 'string' &&
      (SPOOL_ROUTES as readonly unknown[]).includes(entry.route)
    ) {
      batches.set(entry.id, line as SpooledBatch);
    } else corrupt++;
  }
  if (corrupt > 0) logger.warn({ path, corrupt }, 'skipped unreadable spool lines');
  return [...batches.values()];
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorName(error) === 'EPERM';
  }
}

export interface ReplayOptions {
  dir: string;
  api: InternalApi;
  logger: AgentLogger;
  /** Per batch and per run; what still fails stays on disk for the next run. */
  attemptsPerBatch?: number;
  maxBackoffMs?: number;
  signal?: AbortSignal;
}

export interface ReplaySummary {
  files: number;
  acked: number;
  dropped: number;
  remaining: number;
}

/**
 * Sends what dead (or finished) reporters left behind. Files of live processes are skipped; a
 * file is claimed by renaming it to our pid first, so two workers sharing a directory never
 * replay the same file at once.
 */
export async function replaySpool(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { files: 0, acked: 0, dropped: 0, remaining: 0 };
  let names: string[];
  try {
    names = readdirSync(options.dir).filter((name) => name.endsWith(SUFFIX));
  } catch {
    return summary;
  }
  for (const name of names) {
    if (options.signal?.aborted) break;
    const parsed = parseSpoolFileName(name);
    if (!parsed) continue;
    const path = join(options.dir, name);
    if (activePaths.has(path)) continue;
    if (parsed.pid !== process.pid && isPidAlive(parsed.pid)) continue;
    const claimed = join(options.dir, spoolFileName(parsed.callId, process.pid));
    try {
      renameSync(path, claimed);
    } catch {
      continue; // another replayer got there first
    }
    summary.files++;
    const result = await replayFile(claimed, options);
    summary.acked += result.acked;
    summary.dropped += result.dropped;
    summary.remaining += result.remaining;
  }
  if (summary.files > 0) options.logger.info({ ...summary }, 'spool replay finished');
  return summary;
}

async function replayFile(path: string, options: ReplayOptions) {
  const { logger } = options;
  const pending = readPendingBatches(path, logger);
  const file = SpoolFile.attach(path, logger);
  const result = { acked: 0, dropped: 0, remaining: 0 };
  // Lane by lane, like the reporter: a segments batch the API keeps refusing must not hold the
  // metrics, the witness reports or the end back. The end still comes after the others' attempts.
  for (const route of SPOOL_ROUTES) {
    const lane = pending.filter((batch) => batch.route === route);
    for (const [index, batch] of lane.entries()) {
      const outcome = await replayBatch(batch, file, options);
      if (outcome === 'undelivered') {
        // Keep order within the lane: its later batches wait behind the first one that fails.
        result.remaining += lane.length - index;
        break;
      }
      result[outcome]++;
    }
  }
  if (result.remaining === 0) await file.remove();
  else {
    logger.warn({ path, remaining: result.remaining }, 'spooled batches still undelivered, will retry');
    await file.release();
  }
  return result;
}

async function replayBatch(
  batch: SpooledBatch,
  file: SpoolFile,
  options: ReplayOptions,
): Promise<'acked' | 'dropped' | 'undelivered'> {
  const { logger } = options;
  if (!isValidBody(batch.route, batch.body)) {
    logger.error(
      { callId: batch.callId, route: batch.route },
      'dropping spooled batch that fails the contract',
    );
    void file.markDone(batch.id, 'dropped');
    return 'dropped';
  }
  const attempts = options.attemptsPerBatch ?? 4;
  for (let attempt = 1; attempt <= attempts && !options.signal?.aborted; attempt++) {
    const outcome = await sendInternal(options.api, batch.callId, batch.route, batch.body, options.signal);
    if (outcome.kind === 'ok') {
      void file.markDone(batch.id, 'acked');
      return 'acked';
    }
    if (outcome.kind === 'drop') {
      logger.error(
        {
          callId: batch.callId,
          route: batch.route,
          status: outcome.status,
          code: outcome.code,
          field: outcome.field,
          requestId: outcome.requestId,
        },
        'API rejected a spooled batch for good, dropping it',
      );
      void file.markDone(batch.id, 'dropped');
      return 'dropped';
    }
    if (attempt < attempts) {
      await sleep(
        Math.min(
          outcome.retryAfterMs ?? backoffDelay(attempt, 200, options.maxBackoffMs ?? 5_000),
          options.maxBackoffMs ?? 5_000,
        ),
        options.signal,
      );
    }
  }
  return 'undelivered';
}

/** Replays at start-up and then periodically, picking up files of job processes that crashed. */
export function startSpoolReplayer(options: ReplayOptions & { intervalMs?: number }): { stop(): void } {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  let running = false;
  const run = () => {
    if (running || signal.aborted) return;
    running = true;
    replaySpool({ ...options, signal })
      .catch((error: unknown) => options.logger.error({ error: errorName(error) }, 'spool replay failed'))
      .finally(() => {
        running = false;
      });
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? 30_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      controller.abort();
    },
  };
}
