import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentLogger } from '../logger.ts';

/**
 * What a recording still owes the API, on disk. One directory per recording session
 * (`<callId>.<pid>.<random>`, 0700) holds:
 * - `progress.json`: the recording so far, as far as it is safe (uploaded or on disk here):
 *   `startedAt`, `chunks`, `durationMs`, `bytes`. It is what a finish says after a crash.
 * - `chunk-<seq>-<durationMs>ms.ogg`: a chunk the API has not taken yet (0600).
 * Every file is written to a temporary name, fsynced and renamed, so a crash leaves either the
 * old file or the new one. Unlike the agent's spool, writes are asynchronous: they run beside
 * the audio clock, which a blocked event loop would stall.
 */

export interface RecordingProgress {
  v: 1;
  callId: string;
  startedAt: string | null;
  chunks: number;
  durationMs: number;
  bytes: number;
}

export interface SpooledChunk {
  seq: number;
  durationMs: number;
  size: number;
}

const PROGRESS = 'progress.json';
const CHUNK = /^chunk-(\d{6,})-(\d+)ms\.ogg$/;
const SESSION = /^([0-9a-f-]{36})\.(\d+)\.([a-f0-9]{8})$/;

function chunkFileName(seq: number, durationMs: number): string {
  return `chunk-${String(seq).padStart(6, '0')}-${durationMs}ms.ogg`;
}

function sessionDirName(callId: string, pid: number): string {
  return `${callId}.${pid}.${randomUUID().slice(0, 8)}`;
}

function parseSessionDirName(name: string): { callId: string; pid: number } | null {
  const match = SESSION.exec(name);
  if (!match?.[1] || !match[2]) return null;
  return { callId: match[1], pid: Number(match[2]) };
}

/** Session directories a recording in this process still writes to: replay keeps off them. */
const activeDirs = new Set<string>();

export class RecordingSpool {
  #broken = false;
  /** Disk operations of one session run one after another, in the order they were asked for. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly callId: string,
    private readonly logger: AgentLogger,
  ) {
    activeDirs.add(dir);
  }

  /** A new directory for a recording that starts now. */
  static async create(root: string, callId: string, logger: AgentLogger): Promise<RecordingSpool> {
    const spool = new RecordingSpool(join(root, sessionDirName(callId, process.pid)), callId, logger);
    try {
      // Owner only: the files are the call's audio.
      await mkdir(root, { recursive: true, mode: 0o700 });
      await chmod(root, 0o700).catch(() => {});
      await mkdir(spool.dir, { mode: 0o700 });
    } catch (error) {
      spool.#fail(error);
    }
    return spool;
  }

  /** Takes over a leftover directory (renamed to this process first), or null if another got it. */
  static async claim(root: string, name: string, logger: AgentLogger): Promise<RecordingSpool | null> {
    const parsed = parseSessionDirName(name);
    if (!parsed) return null;
    const claimed = join(root, sessionDirName(parsed.callId, process.pid));
    try {
      await rename(join(root, name), claimed);
    } catch {
      return null; // another process claimed it first
    }
    return new RecordingSpool(claimed, parsed.callId, logger);
  }

  writeProgress(progress: Omit<RecordingProgress, 'v' | 'callId'>): Promise<void> {
    const body: RecordingProgress = { v: 1, callId: this.callId, ...progress };
    return this.#run(() => this.#writeFile(PROGRESS, JSON.stringify(body))).then(() => {});
  }

  /** Resolves true once the chunk is on disk, false when the spool cannot write. */
  writeChunk(chunk: SpooledChunk & { bytes: Uint8Array }): Promise<boolean> {
    return this.#run(() => this.#writeFile(chunkFileName(chunk.seq, chunk.durationMs), chunk.bytes));
  }

  readChunk(chunk: SpooledChunk): Promise<Uint8Array> {
    return this.#run(() => readFile(join(this.dir, chunkFileName(chunk.seq, chunk.durationMs))));
  }

  deleteChunk(chunk: SpooledChunk): Promise<void> {
    return this.#run(async () => {
      await rm(join(this.dir, chunkFileName(chunk.seq, chunk.durationMs)), { force: true });
    }).catch((error: unknown) => this.#warn(error, 'could not delete a spooled chunk'));
  }

  /** What a previous process left: its progress (null if unreadable) and its chunks in order. */
  async read(): Promise<{ progress: RecordingProgress | null; chunks: SpooledChunk[] }> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return { progress: null, chunks: [] };
    }
    const chunks: SpooledChunk[] = [];
    for (const name of names) {
      const match = CHUNK.exec(name);
      if (!match?.[1] || !match[2]) continue;
      const size = await stat(join(this.dir, name)).then(
        (s) => s.size,
        () => null,
      );
      if (size !== null) chunks.push({ seq: Number(match[1]), durationMs: Number(match[2]), size });
    }
    chunks.sort((a, b) => a.seq - b.seq);
    let progress: RecordingProgress | null = null;
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, PROGRESS), 'utf8')) as RecordingProgress;
      if (parsed.v === 1 && parsed.callId === this.callId) progress = parsed;
    } catch {
      // A crash before the first write, or a file from elsewhere: the chunks still count.
    }
    return { progress, chunks };
  }

  /** Deletes the directory: call only when the API owes nothing more (or refused for good). */
  async remove(): Promise<void> {
    await this.#queue.catch(() => {});
    activeDirs.delete(this.dir);
    await rm(this.dir, { recursive: true, force: true }).catch((error: unknown) =>
      this.#warn(error, 'could not delete the spool directory'),
    );
  }

  /** Leaves the directory for a later replay. */
  async release(): Promise<void> {
    await this.#queue.catch(() => {});
    activeDirs.delete(this.dir);
  }

  #run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation, operation);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #writeFile(name: string, data: string | Uint8Array): Promise<boolean> {
    if (this.#broken) return false;
    const temporary = join(this.dir, `.${name}.${randomUUID().slice(0, 8)}.tmp`);
    try {
      const file = await open(temporary, 'w', 0o600);
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(this.dir, name));
      // The new name is only crash-safe once the directory is synced too.
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      return true;
    } catch (error) {
      this.#fail(error);
      await rm(temporary, { force: true }).catch(() => {});
      return false;
    }
  }

  #fail(error: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    // The recording goes on; what the API has not taken is lost if this process dies.
    this.logger.error(
      { callId: this.callId, path: this.dir, error: errorCode(error) },
      'recording spool not writable, continuing without crash protection',
    );
  }

  #warn(error: unknown, message: string): void {
    this.logger.warn({ callId: this.callId, path: this.dir, error: errorCode(error) }, message);
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return String(error.code);
  return error instanceof Error ? error.name : 'unknown';
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Session directories no live recording writes to: those of dead processes, and this
 * process's own that no session holds (a restarted container often gets the same pid).
 */
export async function leftoverSessionDirs(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const parsed = parseSessionDirName(name);
    if (!parsed || activeDirs.has(join(root, name))) return false;
    return parsed.pid === process.pid || !isPidAlive(parsed.pid);
  });
}
