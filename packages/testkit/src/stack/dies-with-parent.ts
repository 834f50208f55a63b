import { spawnSync } from 'node:child_process';

let setprivWorks: boolean | undefined;

/**
 * The command line that runs `command` so the kernel kills it when the process starting it dies.
 *
 * An exit hook covers a test process that ends, not one that crashes (a native fault, an OOM
 * kill): its API, worker and livekit-server then lived on, holding ports and the sweeper's lease
 * of their database. util-linux's `setpriv --pdeathsig` sets Linux's parent-death signal and then
 * runs the command in its place (same pid). Where it is missing, the command runs as before.
 *
 * The signal follows the thread that spawned the child: spawn from the main thread (vitest's
 * `forks` pool, `npm start`, the benches), never from a worker thread that ends first.
 */
export function diesWithParent(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  setprivWorks ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true']).status === 0;
  if (!setprivWorks) return { command, args: [...args] };
  return { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', command, ...args] };
}
