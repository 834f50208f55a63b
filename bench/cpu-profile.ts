import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '@voicedesk/testkit';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Share of all sampled time, in percent. */
  percent: number;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
  /**
   * Each sample charged to the innermost function of ours (apps/, packages/) on its stack: which
   * of our steps the libraries' and node's time was spent for. Time after an `await` is charged
   * to the function that resumed, and time with none of ours on the stack to `(no frame of ours)`.
   */
  ours: SelfTime[];
}

/**
 * Where a frame's code lives: a package under node_modules, a workspace file, node's own
 * internals, or V8's pseudo-frames ((garbage collector), (program), (idle)).
 */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const parts = path.slice(inModules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}

/** Self time per function and per module, largest first; `(idle)` is left out of the shares. */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const ours = new Map<string, number>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const oursOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = nodeById.get(at)?.callFrame;
      const path = frame?.url.replace(/^file:\/\//, '') ?? '';
      if (path.startsWith(REPO_ROOT) && !path.includes('/node_modules/')) {
        return `${frame?.functionName || '(anonymous)'} ${relative(REPO_ROOT, path)}:${(frame?.lineNumber ?? 0) + 1}`;
      }
    }
    return '(no frame of ours)';
  };
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (us === 0 || functionName === '(idle)') continue;
    total += us;
    const module = moduleOf(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${module}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const mine = oursOf(node.id);
    ours.set(mine, (ours.get(mine) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        percent: Math.round((us / total) * 1000) / 10,
        ms: Math.round(us / 1000),
      }));
  return {
    file: relative(REPO_ROOT, file),
    sampledMs: Math.round(total / 1000),
    functions: rank(functions),
    modules: rank(modules),
    ours: rank(ours),
  };
}

/** The summary as markdown tables for the bench output. */
export function profileTable(summary: ProfileSummary): string {
  const rows = (items: SelfTime[]) => items.map((s) => `| ${s.name} | ${s.percent} | ${s.ms} |`);
  return [
    `CPU profile of the API under load: ${summary.file} (${summary.sampledMs} ms sampled, idle excluded).`,
    '',
    '| module (self time) | % | ms |',
    '| --- | --- | --- |',
    ...rows(summary.modules),
    '',
    '| function (self time) | % | ms |',
    '| --- | --- | --- |',
    ...rows(summary.functions),
    '',
    '| our innermost function on the stack (time spent for it) | % | ms |',
    '| --- | --- | --- |',
    ...rows(summary.ours),
  ].join('\n');
}
