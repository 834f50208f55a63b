import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD_PROCESS_MODULE = new URL('./child-process.ts', import.meta.url).href;

/** Running: a killed process that nobody has reaped yet (a zombie) is not. */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

describe('spawnManaged', () => {
  const leftovers: number[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  // A test process that crashes (a native fault, an OOM kill) runs no exit hook. Its API or
  // worker then lived on, held the sweeper's lease of its database and ports, and made the next
  // runs fail for reasons that were not theirs.
  it('takes its children down with it when the process that started them is killed outright', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicedesk-child-'));
    dirs.push(dir);
    const parentScript = `
      const { spawnManaged } = await import(${JSON.stringify(CHILD_PROCESS_MODULE)});
      const child = spawnManaged({
        name: 'sleeper',
        command: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000); console.log("ready")'],
        env: { PATH: process.env.PATH },
        cwd: ${JSON.stringify(dir)},
        logFile: ${JSON.stringify(join(dir, 'sleeper.log'))},
      });
      await child.waitForLine(/ready/, 10_000);
      console.log('child', child.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const childPid = Number(/child (\d+)/.exec(line.toString())?.[1]);
    expect(childPid).toBeGreaterThan(0);
    leftovers.push(childPid);
    expect(isAlive(childPid)).toBe(true);

    parent.kill('SIGKILL');
    await once(parent, 'exit');

    expect(await gone(childPid, 5_000)).toBe(true);
  }, 20_000);
});
