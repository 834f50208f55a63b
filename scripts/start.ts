import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startStack } from '@voicedesk/testkit';

/**
 * `npm start`: the whole platform on one machine. Secrets are generated once and kept in
 * .data/local-secrets.json so the admin key and demo site key survive restarts.
 */
const dataDir = process.env.DATA_DIR ?? join(REPO_ROOT, '.data');
mkdirSync(dataDir, { recursive: true });
const secretsFile = join(dataDir, 'local-secrets.json');
type Secrets = { adminApiKey: string; internalServiceKey: string; visitorKeySecret: string; siteKey: string };
const newSecret = () => randomBytes(24).toString('base64url');
const saved: Partial<Secrets> = existsSync(secretsFile)
  ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Partial<Secrets>)
  : {};
// A secrets file from an older version lacks the newer secrets: add them, keep the rest.
const secrets: Secrets = {
  adminApiKey: saved.adminApiKey ?? newSecret(),
  internalServiceKey: saved.internalServiceKey ?? newSecret(),
  visitorKeySecret: saved.visitorKeySecret ?? newSecret(),
  siteKey: saved.siteKey ?? `pk_demo_${randomBytes(9).toString('hex')}`,
};
writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });

const apiPort = Number(process.env.PORT ?? 3000);
const livekitPort = Number(process.env.LIVEKIT_PORT ?? 7880);
const openaiKey = process.env.OPENAI_API_KEY;
const origins = [
  `http://localhost:${apiPort}`,
  `http://127.0.0.1:${apiPort}`,
  ...(process.env.DEFAULT_SITE_ORIGINS ?? '').split(',').filter(Boolean),
];

const apiLog = join(dataDir, 'logs', 'api.log');
const apiLogStart = existsSync(apiLog) ? statSync(apiLog).size : 0;

console.log(
  'Starting VoiceDesk (livekit-server, API, agent worker, call recorder%s)...',
  openaiKey ? '' : ', offline model double',
);
const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL,
  dataDir,
  apiPort,
  livekitPort,
  openai: openaiKey
    ? { apiKey: openaiKey, baseUrl: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' }
    : undefined,
  adminApiKey: process.env.ADMIN_API_KEY ?? secrets.adminApiKey,
  internalServiceKey: process.env.INTERNAL_SERVICE_KEY ?? secrets.internalServiceKey,
  visitorKeySecret: process.env.VISITOR_KEY_SECRET ?? secrets.visitorKeySecret,
  siteKey: secrets.siteKey,
  siteOrigins: origins,
  logDir: join(dataDir, 'logs'),
  echoLogs: process.env.VOICEDESK_ECHO_LOGS === '1',
  // Every call is recorded, to files under DATA_DIR (S3 in production).
  recording: {},
}).catch((err: unknown) => {
  console.error(`\nVoiceDesk could not start: ${err instanceof Error ? err.message : String(err)}`);
  console.error(`Logs: ${join(dataDir, 'logs')}`);
  process.exit(1);
});

/**
 * How to sign in: while no admin exists, the API logged a one-time setup code at start (its
 * only appearance in any log); shown here, on the operator's own terminal, so nobody digs for it.
 * The log file is appended to and written asynchronously: read this run's part, briefly polled.
 */
async function signInHelp(apiUrl: string): Promise<string> {
  const setup = (await fetch(`${apiUrl}/v1/auth/setup`)
    .then((r) => r.json())
    .catch(() => ({ needed: false }))) as { needed: boolean };
  if (!setup.needed) return `Sign in      ${apiUrl}/app`;
  let code: string | undefined;
  for (let i = 0; i < 20 && !code; i++) {
    const text = existsSync(apiLog) ? readFileSync(apiLog).subarray(apiLogStart).toString('utf8') : '';
    const line = text.split('\n').findLast((l) => l.includes('"setupCode"'));
    code = line ? (JSON.parse(line) as { setupCode?: string }).setupCode : undefined;
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  return [
    `First run    ${apiUrl}/app  and enter the setup code ${code ?? `(in ${apiLog})`}`,
    '               or: npm run admin:create -- --email you@example.com --name "Your Name"',
  ].join('\n');
}

console.log(`
  VoiceDesk is running.

  ${await signInHelp(stack.apiUrl)}

  Try a call     ${stack.apiUrl}/demo
  Dashboard      ${stack.apiUrl}/app
  API            ${stack.apiUrl}
  API docs       ${stack.apiUrl}/docs
  LiveKit        ${stack.livekit.url}
  Recordings     ${join(dataDir, 'recordings')}   (GET /v1/calls/<id>/recording)
  Database       ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${join(dataDir, 'pglite')}`}
  Voice model    ${openaiKey ? `OpenAI at ${process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'}` : `offline demo double at ${stack.double?.url}`}
  Demo site key  ${stack.siteKey}   (allowed origins: ${origins.join(', ')})
  Admin API key  ${stack.adminApiKey}   (bootstrap key: prefer staff accounts and scoped API keys)
                 curl -H "authorization: Bearer ${stack.adminApiKey}" ${stack.apiUrl}/v1/calls

  Logs in ${join(dataDir, 'logs')}. Press Ctrl-C to stop everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping VoiceDesk...');
  await stack.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// If a child dies, the platform is broken: say so and stop the rest.
for (const child of [stack.api, stack.agent, stack.recorder]) {
  void child?.exited.then((code) => {
    if (stopping) return;
    console.error(
      `${child.name} exited unexpectedly (code ${code}); see ${join(dataDir, 'logs', `${child.name}.log`)}`,
    );
    void shutdown().then(() => process.exit(1));
  });
}
