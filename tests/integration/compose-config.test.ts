/**
 * The production Compose stack (docker-compose.yml + livekit.yaml + .env.example) is wired
 * consistently with the code: LiveKit's webhooks reach the API's route, LiveKit, the API and
 * the agent share one key pair, and every variable the services set is one the config schemas
 * read. Where a compose CLI exists (`docker compose` v2, else `docker-compose` v1) the file is
 * also validated with `config`; elsewhere a structural validation of the YAML runs instead.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAgentConfig, loadApiConfig, loadRecorderConfig } from '@voicedesk/config';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  profiles?: string[];
  build?: string | { context?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number)[];
  volumes?: (string | { source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}
interface LivekitYaml {
  port?: number;
  rtc?: { tcp_port?: number; port_range_start?: number; port_range_end?: number; use_external_ip?: boolean };
  redis?: { address?: string };
  room?: { empty_timeout?: number; departure_timeout?: number };
  webhook?: { api_key?: string; urls?: string[] };
  turn?: {
    enabled?: boolean;
    domain?: string;
    tls_port?: number;
    udp_port?: number;
    cert_file?: string;
    key_file?: string;
    relay_range_start?: number;
    relay_range_end?: number;
  };
  keys?: unknown;
}

const composeText = read('docker-compose.yml');
const compose = parseYaml(composeText) as ComposeFile;
const livekitText = read('livekit.yaml');
const livekitYaml = parseYaml(livekitText) as LivekitYaml;
const envExampleText = read('.env.example');

function service(name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

function envOf(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;

/** The single `${VAR...}` a value consists of, or null. */
function soleRef(value: string | undefined): string | null {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}$/.exec(value ?? '');
  return m?.[1] ?? null;
}

/** Compose-style interpolation (`${V}`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`, `$$`). */
function interpolate(value: string, vars: Record<string, string>): string {
  return value
    .replace(REF, (_m, name: string, op: string | undefined, arg: string) => {
      const v = vars[name];
      const unset = v === undefined || (op?.startsWith(':') && v === '');
      if (op === ':-' || op === '-') return unset ? arg : (v as string);
      if (op === ':?' || op === '?') {
        if (unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return v as string;
      }
      return v ?? '';
    })
    .replaceAll('$$', '$');
}

function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) out[m[1]] = (m[2] ?? '').trim();
  }
  return out;
}

/** .env.example with every empty value filled, as an operator would. */
function sampleEnv(): Record<string, string> {
  const fill: Record<string, string> = {
    POSTGRES_PASSWORD: 'c0ffee0123456789c0ffee0123456789',
    LIVEKIT_API_SECRET: 'secret0123456789secret0123456789secret',
    LIVEKIT_PUBLIC_URL: 'wss://livekit.example.com',
    ADMIN_API_KEY: 'admin0123456789admin0123456789admin0123',
    INTERNAL_SERVICE_KEY: 'internal0123456789internal0123456789',
    VISITOR_KEY_SECRET: 'visitor0123456789visitor0123456789',
    OPENAI_API_KEY: 'sk-compose-config-test',
    TURN_DOMAIN: 'turn.example.com',
    TURN_CERT_FILE: '/etc/letsencrypt/live/turn.example.com/fullchain.pem',
    TURN_KEY_FILE: '/etc/letsencrypt/live/turn.example.com/privkey.pem',
  };
  const env = parseDotenv(envExampleText);
  for (const [k, v] of Object.entries(env)) if (v === '') env[k] = fill[k] ?? `value-for-${k}`;
  return env;
}

/** Keys of a `z.object({...})` schema named `schemaName` in a config source file, read as text. */
function schemaKeys(file: string, schemaName: string): Set<string> {
  const src = read(file);
  const block = new RegExp(`const ${schemaName} = z\\.object\\(\\{([\\s\\S]*?)\\n\\}\\);`).exec(src)?.[1];
  if (!block) throw new Error(`${file}: cannot find z.object schema ${schemaName}`);
  const keys = new Set([...block.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1] as string));
  const fields = read('packages/config/src/fields.ts');
  for (const spread of block.matchAll(/^\s{2}\.\.\.(\w+)/gm)) {
    const obj = new RegExp(`export const ${spread[1]} = \\{([\\s\\S]*?)\\n\\};`).exec(fields)?.[1];
    if (!obj) throw new Error(`fields.ts: cannot find ${spread[1]} spread into ${schemaName}`);
    for (const m of obj.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)) keys.add(m[1] as string);
  }
  return keys;
}

/** Container port of a compose port entry ("8080:3000", "3000", "50000-50100:50000-50100/udp"). */
function containerPort(entry: string | number): { port: string; proto: string } {
  const [spec, proto = 'tcp'] = String(entry).split('/') as [string, string?];
  return { port: spec.split(':').at(-1) as string, proto };
}

describe('livekit.yaml ↔ docker-compose.yml', () => {
  it("sends LiveKit's webhooks to the compose api service's unpublished internal port, at /v1/livekit/webhook", () => {
    const urls = livekitYaml.webhook?.urls ?? [];
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0] as string);
    expect(url.protocol).toBe('http:');
    expect(url.hostname).toBe('api');
    expect(service('api')).toBeDefined();

    const internalPort = envOf('api').INTERNAL_PORT;
    expect(internalPort).toMatch(/^\d+$/);
    expect(url.port).toBe(internalPort);
    const published = (service('api').ports ?? []).map((p) => containerPort(p).port);
    expect(published).not.toContain(internalPort);

    expect(url.pathname).toBe('/v1/livekit/webhook');
    const route = read('apps/api/src/routes/livekit-webhook.ts');
    expect(route).toContain("'/v1/livekit/webhook'");
    expect(route).toContain('onInternalListener: true');
  });

  it('uses one key pair for LiveKit (LIVEKIT_KEYS), its webhook signature, the API and the agent', () => {
    const lk = envOf('livekit');
    const m = /^(\$\{[^}]+\}): (\$\{[^}]+\})$/.exec(lk.LIVEKIT_KEYS ?? '');
    expect(m, `LIVEKIT_KEYS must be "\${KEY}: \${SECRET}", got ${lk.LIVEKIT_KEYS}`).not.toBeNull();
    const keyVar = soleRef(m?.[1]);
    const secretVar = soleRef(m?.[2]);
    expect(keyVar).toBe('LIVEKIT_API_KEY');
    expect(secretVar).toBe('LIVEKIT_API_SECRET');

    for (const name of ['api', 'migrate', 'agent']) {
      expect(soleRef(envOf(name).LIVEKIT_API_KEY), `${name} LIVEKIT_API_KEY`).toBe(keyVar);
      expect(soleRef(envOf(name).LIVEKIT_API_SECRET), `${name} LIVEKIT_API_SECRET`).toBe(secretVar);
    }

    // livekit-server signs webhooks with webhook.api_key, which compose overrides with the
    // LIVEKIT_WEBHOOK_API_KEY env var (livekit-server does not expand ${VARS} inside YAML).
    expect(soleRef(lk.LIVEKIT_WEBHOOK_API_KEY)).toBe(keyVar);
    // The YAML's own value matches the key .env.example suggests, for runs without the override.
    expect(livekitYaml.webhook?.api_key).toBe(parseDotenv(envExampleText).LIVEKIT_API_KEY);
    expect(JSON.stringify(livekitYaml), 'livekit-server would not expand it').not.toContain('${');
    expect(livekitYaml.keys, 'secrets belong in LIVEKIT_KEYS, not in livekit.yaml').toBeUndefined();
  });

  it('mounts livekit.yaml, publishes its ports and points the API and agent at it', () => {
    const lk = service('livekit');
    expect(lk.image).toBe('livekit/livekit-server:v1.13.5');
    expect(String(lk.command)).toContain('--config /etc/livekit.yaml');
    expect(lk.volumes).toContain('./livekit.yaml:/etc/livekit.yaml:ro');

    const ports = (lk.ports ?? []).map(containerPort);
    expect(ports).toContainEqual({ port: String(livekitYaml.port), proto: 'tcp' });
    expect(ports).toContainEqual({ port: String(livekitYaml.rtc?.tcp_port), proto: 'tcp' });
    expect(ports).toContainEqual({
      port: `${livekitYaml.rtc?.port_range_start}-${livekitYaml.rtc?.port_range_end}`,
      proto: 'udp',
    });
    expect(livekitYaml.redis?.address).toBe('redis:6379');
    expect(compose.services.redis).toBeDefined();

    for (const name of ['api', 'agent']) {
      expect(envOf(name).LIVEKIT_URL).toBe(`ws://livekit:${livekitYaml.port}`);
    }
    // The agent reports to the API's internal listener, which is never published.
    const internalPort = envOf('api').INTERNAL_PORT ?? envOf('api').PORT ?? '3000';
    expect(envOf('agent').API_URL).toBe(`http://api:${internalPort}`);
    const published = (service('api').ports ?? []).map((p) => containerPort(p).port);
    if (envOf('api').INTERNAL_PORT) expect(published).not.toContain(internalPort);
  });

  it("enables LiveKit's TURN on 443/tcp (TLS, the operator's certificate) and 3478/udp, with its relay range published", () => {
    const turn = livekitYaml.turn;
    expect(turn?.enabled).toBe(true);
    const lk = service('livekit');
    // livekit-server tells browsers `turns:<domain>:443`, whatever tls_port is: 443 on the host must reach it.
    expect(lk.ports).toContainEqual(`\${TURN_TLS_PORT:-443}:${turn?.tls_port}`);
    expect(lk.ports).toContainEqual(`${turn?.udp_port}:${turn?.udp_port}/udp`);
    expect(lk.ports).toContainEqual(
      `${turn?.relay_range_start}-${turn?.relay_range_end}:${turn?.relay_range_start}-${turn?.relay_range_end}/udp`,
    );
    expect(turn?.udp_port).toBe(3478);
    // The domain comes from .env (livekit-server reads LIVEKIT_TURN_DOMAIN over the file), the
    // certificate from the operator's files, mounted where livekit.yaml reads them.
    expect(turn?.domain).toBeUndefined();
    expect(soleRef(envOf('livekit').LIVEKIT_TURN_DOMAIN)).toBe('TURN_DOMAIN');
    const mounts = (lk.volumes ?? []).map(String);
    expect(mounts).toContain(`\${TURN_CERT_FILE:?set TURN_CERT_FILE in .env}:${turn?.cert_file}:ro`);
    expect(mounts).toContain(`\${TURN_KEY_FILE:?set TURN_KEY_FILE in .env}:${turn?.key_file}:ro`);
    for (const name of ['TURN_DOMAIN', 'TURN_CERT_FILE', 'TURN_KEY_FILE']) {
      expect(parseDotenv(envExampleText), `.env.example lists ${name}`).toHaveProperty(name);
    }
  });
});

describe('docker-compose.yml ↔ packages/config', () => {
  const apiKeys = schemaKeys('packages/config/src/api-config.ts', 'apiEnvSchema');
  const agentKeys = schemaKeys('packages/config/src/agent-config.ts', 'agentEnvSchema');

  it('sets only variables the API and agent config schemas read', () => {
    expect(apiKeys).toContain('DATABASE_URL');
    expect(agentKeys).toContain('OPENAI_API_KEY');
    for (const name of ['api', 'migrate']) {
      const unknown = Object.keys(envOf(name)).filter((k) => !apiKeys.has(k));
      expect(unknown, `${name} sets variables api-config.ts does not read`).toEqual([]);
    }
    const unknown = Object.keys(envOf('agent')).filter((k) => !agentKeys.has(k));
    expect(unknown, 'agent sets variables agent-config.ts does not read').toEqual([]);
  });

  it('gives each process a configuration its loader accepts once .env.example is filled in', () => {
    const vars = sampleEnv();
    const resolved = (name: string) =>
      Object.fromEntries(Object.entries(envOf(name)).map(([k, v]) => [k, interpolate(v, vars)]));

    const api = loadApiConfig(resolved('api'));
    expect(api.database.kind).toBe('postgres');
    expect(api.port).toBe(3000);
    expect(api.livekit.urls).toEqual(['ws://livekit:7880']);
    expect(api.livekit.publicUrl).toBe(vars.LIVEKIT_PUBLIC_URL);
    expect(api.trustProxy).toBe(false);
    expect(loadApiConfig(resolved('migrate')).database).toEqual(api.database);

    const agent = loadAgentConfig(resolved('agent'));
    expect(agent.apiUrl).toBe('http://api:3001');
    expect(agent.internalServiceKey).toBe(api.internalServiceKey);
    expect(agent.agentName).toBe(api.agentName);
    expect(agent.voice.baseUrl).toBe('https://api.openai.com/v1');

    const lk = resolved('livekit');
    expect(lk.LIVEKIT_KEYS).toBe(`${api.livekit.apiKey}: ${api.livekit.apiSecret}`);
    expect(lk.LIVEKIT_WEBHOOK_API_KEY).toBe(api.livekit.apiKey);
  });

  it('runs the built-in recorder beside the API, and LiveKit Egress on the egress profile', () => {
    const vars = sampleEnv();
    const resolved = (name: string) =>
      Object.fromEntries(Object.entries(envOf(name)).map(([k, v]) => [k, interpolate(v, vars)]));
    const recorderKeys = schemaKeys('packages/config/src/recorder-config.ts', 'recorderEnvSchema');
    const unknown = Object.keys(envOf('recorder')).filter((k) => !recorderKeys.has(k));
    expect(unknown, 'recorder sets variables recorder-config.ts does not read').toEqual([]);
    const api = loadApiConfig(resolved('api'));
    const recorder = loadRecorderConfig(resolved('recorder'));
    // The API asks the recorder to join; the recorder sends chunks to the API's internal listener.
    expect(api.recording).toMatchObject({ mode: 'builtin', recorderUrl: `http://recorder:${recorder.port}` });
    expect(recorder.apiUrl).toBe('http://api:3001');
    expect(recorder.internalServiceKey).toBe(api.internalServiceKey);
    expect(service('recorder').ports).toBeUndefined();
    expect(String(service('recorder').command)).toContain('apps/agent/dist/recorder/recorder-main.js');

    const egress = service('egress');
    expect(egress.image).toBe('livekit/egress:v1.14.1');
    expect(egress.profiles).toEqual(['egress']);
    const body = parseYaml(resolved('egress').EGRESS_CONFIG_BODY ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({
      api_key: api.livekit.apiKey,
      api_secret: api.livekit.apiSecret,
      ws_url: `ws://livekit:${livekitYaml.port}`,
      redis: { address: livekitYaml.redis?.address },
    });
  });

  it('requires every secret, and .env.example lists every variable compose reads', () => {
    const refs = [...composeText.matchAll(REF)];
    const required = new Set(refs.filter((m) => m[2]?.includes('?')).map((m) => m[1] as string));
    expect([...required].sort()).toEqual(
      expect.arrayContaining([
        'ADMIN_API_KEY',
        'INTERNAL_SERVICE_KEY',
        'LIVEKIT_API_KEY',
        'LIVEKIT_API_SECRET',
        'LIVEKIT_PUBLIC_URL',
        'OPENAI_API_KEY',
        'POSTGRES_PASSWORD',
      ]),
    );
    // Every ${VAR:?} says where to set it.
    for (const m of refs.filter((r) => r[2]?.includes('?'))) expect(m[3]).toBe(`set ${m[1]} in .env`);

    const documented = new Set(
      [...envExampleText.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string),
    );
    const undocumented = [...new Set(refs.map((m) => m[1] as string))].filter((v) => !documented.has(v));
    expect(undocumented.filter((v) => v !== 'VOICEDESK_TAG')).toEqual([]);
    for (const v of required) expect(parseDotenv(envExampleText), v).toHaveProperty(v);
  });
});

// --- compose CLI, where it exists -----------------------------------------------------------

function findComposeCli(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0] as string, [...cmd.slice(1), 'version'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (r.status === 0) return cmd;
  }
  return null;
}
const composeCli = findComposeCli();
const cliLabel = composeCli ? `\`${composeCli.join(' ')} config\`` : 'no compose CLI installed here';

function runCompose(dir: string): { status: number | null; stdout: string; stderr: string } {
  const cli = composeCli as string[];
  const env = { ...process.env };
  // Variables of the test process must not leak into the interpolation.
  for (const k of Object.keys(parseDotenv(envExampleText))) delete env[k];
  const r = spawnSync(cli[0] as string, [...cli.slice(1), 'config'], {
    cwd: dir,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function structuralProblems(file: ComposeFile): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(file.services ?? {}));
  const namedVolumes = new Set(Object.keys(file.volumes ?? {}));
  for (const [name, s] of Object.entries(file.services ?? {})) {
    if (!s.image && !s.build) problems.push(`${name}: neither image nor build`);
    const deps = s.depends_on ?? [];
    const entries = Array.isArray(deps) ? deps.map((d) => [d, {}] as const) : Object.entries(deps);
    for (const [dep, spec] of entries) {
      if (!names.has(dep)) problems.push(`${name}: depends_on unknown service ${dep}`);
      const cond = (spec as { condition?: string }).condition;
      if (cond && !['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond))
        problems.push(`${name}: bad condition ${cond}`);
      if (cond === 'service_healthy' && !file.services[dep]?.healthcheck)
        problems.push(`${name}: waits for ${dep} to be healthy but it has no healthcheck`);
      if (cond === 'service_completed_successfully' && (file.services[dep]?.restart ?? 'no') !== 'no')
        problems.push(`${name}: waits for one-shot ${dep}, which restarts`);
    }
    for (const p of s.ports ?? []) {
      if (!/^(?:(?:\$\{[^}]+\}|\d+(?:-\d+)?):)?\d+(?:-\d+)?(?:\/(?:tcp|udp))?$/.test(String(p)))
        problems.push(`${name}: bad port ${p}`);
    }
    for (const v of s.volumes ?? []) {
      // A `${VAR...}` source is the operator's path (an interpolated file is checked below).
      const src = typeof v === 'string' ? (/^\$\{[^}]*\}/.exec(v)?.[0] ?? v.split(':')[0]) : v.source;
      if (src?.startsWith('${')) continue;
      if (src && !src.startsWith('.') && !src.startsWith('/') && !namedVolumes.has(src))
        problems.push(`${name}: volume ${src} is not declared`);
    }
    const build = s.build;
    if (build && typeof build === 'object' && build.target) {
      const dockerfile = read('Dockerfile');
      if (!new RegExp(`^FROM \\S+ AS ${build.target}$`, 'm').test(dockerfile))
        problems.push(`${name}: Dockerfile has no stage ${build.target}`);
    }
  }
  for (const m of composeText.replaceAll('$$', '').matchAll(/\$\{[^}]*\}?|\$\w/g)) {
    if (!/^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?+][^}]*)?\}$/.test(m[0]))
      problems.push(`bad interpolation ${m[0]}`);
  }
  return problems;
}

describe(`compose validation (${cliLabel}; the CLI check runs where a compose CLI exists)`, () => {
  it('passes a structural validation of docker-compose.yml and the Dockerfile stages it builds', () => {
    expect(structuralProblems(compose)).toEqual([]);
  });

  it(
    composeCli
      ? `${cliLabel} exits 0 with a filled-in .env and fails naming a missing secret without one`
      : 'compose CLI check NOT RUN (no `docker compose` / `docker-compose` here): structural validation of the interpolated file instead',
    () => {
      const vars = sampleEnv();
      if (!composeCli) {
        console.warn(
          '[compose-config] no compose CLI here: `docker compose config` not run; validated the YAML structurally',
        );
        const interpolated = parseYaml(interpolate(composeText, vars)) as ComposeFile;
        expect(structuralProblems(interpolated)).toEqual([]);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'voicedesk-compose-'));
      try {
        for (const f of ['docker-compose.yml', 'livekit.yaml', 'Dockerfile']) {
          copyFileSync(join(ROOT, f), join(dir, f));
        }
        const bare = runCompose(dir);
        expect(bare.status, bare.stdout).not.toBe(0);
        expect(bare.stderr).toMatch(/set [A-Z_]+ in \.env/);

        writeFileSync(
          join(dir, '.env'),
          Object.entries(vars)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n'),
        );
        const ok = runCompose(dir);
        expect(ok.status, ok.stderr).toBe(0);
        const out = parseYaml(ok.stdout) as ComposeFile;
        const env = (name: string) => out.services[name]?.environment as Record<string, string>;
        expect(env('livekit').LIVEKIT_KEYS).toBe(`${vars.LIVEKIT_API_KEY}: ${vars.LIVEKIT_API_SECRET}`);
        expect(env('api').LIVEKIT_API_KEY).toBe(vars.LIVEKIT_API_KEY);
        expect(env('api').DATABASE_URL).toBe(
          `postgres://voicedesk:${vars.POSTGRES_PASSWORD}@postgres:5432/voicedesk`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
