import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { diesWithParent } from './dies-with-parent.ts';

export interface ManagedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the first output line matching, or rejects when the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

const live = new Set<ManagedChild>();
let exitHookInstalled = false;

/** Children run in their own process group, so a kill reaches the job processes they fork. */
function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child.pid, 'SIGKILL');
  });
}

export function spawnManaged(opts: {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  logFile: string;
  echo?: boolean;
}): ManagedChild {
  installExitHook();
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const line = diesWithParent(opts.command, opts.args);
  const child = spawn(line.command, line.args, {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${opts.name}`);
  const pid = child.pid;
  const watchers = new Set<(line: string) => void>();
  let buffered = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (opts.echo) process.stdout.write(chunk);
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) for (const w of watchers) w(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      live.delete(managed);
      log.end();
      resolve(code);
    });
  });

  const managed: ManagedChild = {
    name: opts.name,
    pid,
    process: child,
    exited,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(
            new Error(`${opts.name} did not print ${pattern} within ${timeoutMs} ms (log: ${opts.logFile})`),
          );
        }, timeoutMs);
        const watch = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          resolve(line);
        };
        watchers.add(watch);
        void exited.then((code) => {
          if (!watchers.has(watch)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          reject(new Error(`${opts.name} exited with code ${code} before ready (log: ${opts.logFile})`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The group may still hold job processes the child forked.
      killGroup(pid, 'SIGKILL');
    },
    async kill() {
      killGroup(pid, 'SIGKILL');
      await exited;
    },
  };
  live.add(managed);
  return managed;
}
