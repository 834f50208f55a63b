import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and resident memory of a process and everything it forked (the agent worker and its
 * job processes), read from /proc while a benchmark runs. Linux only, as the bench machine is.
 */

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PAGE_BYTES = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) || 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  /** the executable's name, as `/proc/<pid>/comm` gives it */
  comm: string;
  /** user + system CPU time, in clock ticks */
  ticks: number;
  /** distinguishes a reused pid from the process that had it before */
  startTime: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between the listing and the read
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is stat field 3 (state), so stat field n is fields[n - 3].
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    ppid: field(4),
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    ticks: field(14) + field(15),
    startTime: field(22),
    rssBytes: field(24) * PAGE_BYTES,
  };
}

/** User + system CPU a process has used so far, in ms; 0 once it has exited. */
export function cpuMsOf(pid: number): number {
  return ((readStat(pid)?.ticks ?? 0) * 1000) / CLOCK_TICKS;
}

/**
 * CPU every `postgres` process on this host has used so far (the server, its backends and
 * background workers), in ms: 0 when PostgreSQL runs elsewhere. Backends that exit inside a
 * window lose their time, so a bench reads it over a run on long-lived connections.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  for (const p of processTable().values()) if (p.comm === 'postgres') ticks += p.ticks;
  return (ticks * 1000) / CLOCK_TICKS;
}

/** One process alone (not its children): CPU seconds used so far and resident memory in MB. */
export function usageOf(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readStat(pid);
  return { cpuSeconds: (stat?.ticks ?? 0) / CLOCK_TICKS, rssMb: (stat?.rssBytes ?? 0) / 1024 / 1024 };
}

/** Proportional set size: shared pages (node's binary, libraries) split among the processes sharing them. */
function pssBytes(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) table.set(stat.pid, stat);
  }
  return table;
}

/** The process and all its descendants, from one reading of /proc. */
function tree(root: number, table: Map<number, ProcStat>): ProcStat[] {
  const children = new Map<number, number[]>();
  for (const p of table.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: ProcStat[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    const stat = table.get(pid);
    if (!stat) continue;
    out.push(stat);
    pending.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface UsageGroup {
  name: string;
  pid: number;
  /** With its descendants (the worker's job processes); without for the bench process itself. */
  withChildren: boolean;
}

export interface GroupUsage {
  /** CPU over the window, in percent of one core. */
  cpuPercent: number;
  rssMbMean: number;
  rssMbMax: number;
  /** At the end of the window; RSS counts the pages job processes share once per process. */
  pssMb: number;
  processesMax: number;
}

/**
 * Samples the groups every `intervalMs` until `stop()`. CPU time is summed per process across
 * samples, so job processes that start or exit inside the window still count (an exiting one
 * loses at most its last interval).
 */
export function sampleUsage(groups: UsageGroup[], intervalMs = 500) {
  const startedAt = performance.now();
  const state = groups.map(() => ({
    lastTicks: new Map<string, number>(),
    ticks: 0,
    rssSum: 0,
    rssMax: 0,
    processesMax: 0,
    samples: 0,
  }));
  let first = true;
  const sample = () => {
    const table = processTable();
    groups.forEach((group, i) => {
      const s = state[i];
      if (!s) return;
      const procs = group.withChildren ? tree(group.pid, table) : [table.get(group.pid)].filter((p) => !!p);
      let rss = 0;
      for (const p of procs) {
        const key = `${p.pid}:${p.startTime}`;
        const before = s.lastTicks.get(key);
        // Seen at the first sample: the baseline. Appearing later: it started inside the window.
        if (before !== undefined) s.ticks += p.ticks - before;
        else if (!first) s.ticks += p.ticks;
        s.lastTicks.set(key, p.ticks);
        rss += p.rssBytes;
      }
      s.rssSum += rss;
      s.rssMax = Math.max(s.rssMax, rss);
      s.processesMax = Math.max(s.processesMax, procs.length);
      s.samples++;
    });
    first = false;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): Record<string, GroupUsage> {
      clearInterval(timer);
      sample();
      const table = processTable();
      const pss = groups.map((group) =>
        (group.withChildren ? tree(group.pid, table) : [table.get(group.pid)].filter((p) => !!p)).reduce(
          (sum, p) => sum + pssBytes(p.pid),
          0,
        ),
      );
      const seconds = (performance.now() - startedAt) / 1000;
      const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
      return Object.fromEntries(
        groups.map((group, i) => {
          const s = state[i] as NonNullable<(typeof state)[number]>;
          return [
            group.name,
            {
              cpuPercent: Math.round((s.ticks / CLOCK_TICKS / seconds) * 100),
              rssMbMean: mb(s.rssSum / s.samples),
              rssMbMax: mb(s.rssMax),
              pssMb: mb(pss[i] ?? 0),
              processesMax: s.processesMax,
            },
          ];
        }),
      );
    },
  };
}

/** How many processes the tree holds now (the worker and its job processes). */
export function processCount(root: number): number {
  return tree(root, processTable()).length;
}
