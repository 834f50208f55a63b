import { log } from '@livekit/agents';
import { LOG_CENSOR, SENSITIVE_LOG_FIELDS, sensitiveLogPaths } from '@voicedesk/config';
import { errorFacts } from './error-facts.ts';

export { errorFacts };

/**
 * The subset of pino the agent's own modules use. Kept as an interface so the reporter and its
 * tests do not depend on the framework's global logger being initialised.
 */
export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

type Level = keyof AgentLogger;

const REDACT = { paths: sensitiveLogPaths(), censor: LOG_CENSOR };

const serializeError = (value: unknown) => (value instanceof Error ? errorFacts(value) : value);

/** The fallback path has no pino: the same fields are censored by hand, one level deep. */
function censor(obj: object, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (SENSITIVE_LOG_FIELDS.includes(key)) out[key] = REDACT.censor;
    else if (value instanceof Error) out[key] = errorFacts(value);
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value))
      out[key] = censor(value, 1);
    else out[key] = value;
  }
  return out;
}

const FRAMEWORK_LOGGER = Symbol.for('@livekit/agents:logger');
const PII_PREFIX = 'lk.pii.';

function dropPii(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (!key.startsWith(PII_PREFIX)) out[key] = value;
  return out;
}

/**
 * The keys the framework (1.9) uses today. Bindings bypass the log formatter but not
 * serializers (a job's logger binds its room name), so these are named one by one as well.
 */
const FRAMEWORK_PII_KEYS = [
  'agent_name',
  'arguments',
  'audio_transcript',
  'avatar_id',
  'avatar_identity',
  'base_url',
  'caller_identity',
  'chat_ctx',
  'confirmed_keyterms',
  'data',
  'destination_identity',
  'error',
  'event',
  'expected_identities',
  'input_text',
  'instructions',
  'keyterms',
  'message',
  'minted_identity',
  'new_transcript',
  'output',
  'participant_identity',
  'pending_keyterms',
  'raw_data',
  'reason',
  'removed_keyterms',
  'requested_identity',
  'response',
  'room_name',
  'tool_call',
  'transcript',
  'user_input',
  'user_message',
  'user_transcript',
  'ws_data',
].map((key) => `${PII_PREFIX}${key}`);

function withoutPii(logger: unknown): unknown {
  if (!logger || typeof (logger as { child?: unknown }).child !== 'function') return logger;
  return (logger as ReturnType<typeof log>).child(
    {},
    {
      formatters: { log: dropPii },
      serializers: Object.fromEntries(FRAMEWORK_PII_KEYS.map((key) => [key, () => undefined])),
    },
  );
}

/**
 * The framework tags what it logs about people with `lk.pii.*` keys (the visitor's transcript
 * at debug, identities, tool arguments) so that LiveKit Cloud can redact them; self-hosted,
 * they would go straight into the log. Whatever logger the framework installs is wrapped in a
 * child that drops those keys, ours included. This leans on the framework's global slot
 * (log_core.js), keyed by Symbol.for so that every copy of the package shares it; it is set
 * after this runs in the worker (cli.runApp) and in job processes (first IPC message).
 */
export function dropFrameworkPii(): void {
  const slot = Object.getOwnPropertyDescriptor(globalThis, FRAMEWORK_LOGGER);
  if (slot?.get) return;
  let current = withoutPii(slot?.value);
  Object.defineProperty(globalThis, FRAMEWORK_LOGGER, {
    configurable: true,
    get: () => current,
    set: (logger: unknown) => {
      current = withoutPii(logger);
    },
  });
}

/**
 * The framework logger, looked up on every call: the worker initialises it inside cli.runApp and
 * job processes after their first IPC message, both later than our modules are imported. Before
 * that, lines go to stderr as JSON so nothing is lost. The child that adds our redaction is
 * made once per framework logger: pino compiles the redaction when a child is created.
 */
export function frameworkLogger(bindings: Record<string, string> = {}): AgentLogger {
  const children = new WeakMap<object, ReturnType<typeof log>>();
  const child = () => {
    const root = log();
    let made = children.get(root);
    if (!made) {
      made = root.child(bindings, {
        redact: REDACT,
        serializers: { err: serializeError, error: serializeError },
      });
      children.set(root, made);
    }
    return made;
  };
  const write = (level: Level) => (obj: object, msg?: string) => {
    try {
      child()[level](obj, msg);
    } catch {
      process.stderr.write(`${JSON.stringify({ level, ...bindings, ...censor(obj), msg })}\n`);
    }
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
