import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One `FROM … AS name` stage of a Dockerfile, with what the built-dist test replays from it. */
export interface DockerStage {
  name: string;
  /** The stage it starts from, when that is another stage of the same file. */
  base: string | undefined;
  /** ENV of this stage and of the stages it starts from. */
  env: Record<string, string>;
  runs: string[];
  /** `COPY --from=<stage> <src> <dest>` lines. */
  copies: { from: string; src: string; dest: string }[];
  cmd: string[] | undefined;
  workdir: string | undefined;
}

/** Instructions with their continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = '';
  }
  return out;
}

/** `ENV A=1 B=2` → {A: '1', B: '2'} (the key=value form only; no quoting with spaces). */
function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`Dockerfile: ENV ${args}: only KEY=value pairs are understood`);
    env[pair.slice(0, i)] = pair.slice(i + 1).replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** The stages of a Dockerfile, enough of it to replay what a runtime image holds and runs. */
export function readDockerfile(root: string): Map<string, DockerStage> {
  const stages = new Map<string, DockerStage>();
  let stage: DockerStage | undefined;
  for (const line of instructions(readFileSync(join(root, 'Dockerfile'), 'utf8'))) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword === 'FROM') {
      const m = /^(\S+)\s+AS\s+(\S+)$/i.exec(args);
      if (!m?.[1] || !m[2]) throw new Error(`Dockerfile: FROM ${args}: every stage needs a name`);
      const base = stages.get(m[1]);
      stage = {
        name: m[2],
        base: base?.name,
        env: { ...base?.env },
        runs: [],
        copies: [],
        cmd: base?.cmd,
        workdir: base?.workdir,
      };
      stages.set(stage.name, stage);
      continue;
    }
    if (!stage) continue; // ARG before the first FROM
    if (keyword === 'ENV') Object.assign(stage.env, parseEnv(args));
    else if (keyword === 'RUN') stage.runs.push(args);
    else if (keyword === 'CMD') stage.cmd = JSON.parse(args) as string[];
    else if (keyword === 'WORKDIR') stage.workdir = args;
    else if (keyword === 'COPY') {
      const m = /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(args);
      if (m?.[1] && m[2] && m[3]) stage.copies.push({ from: m[1], src: m[2], dest: m[3] });
    }
  }
  return stages;
}

export function stageOf(stages: Map<string, DockerStage>, name: string): DockerStage {
  const stage = stages.get(name);
  if (!stage) throw new Error(`Dockerfile has no stage ${name}`);
  return stage;
}
