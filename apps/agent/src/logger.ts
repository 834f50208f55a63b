import { log } from '@livekit/agents';

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

/**
 * The framework logger, looked up on every call: the worker initialises it inside cli.runApp and
 * job processes after their first IPC message, both later than our modules are imported. Before
 * that, lines go to stderr as JSON so nothing is lost.
 */
export function frameworkLogger(bindings: Record<string, string> = {}): AgentLogger {
  const write = (level: Level) => (obj: object, msg?: string) => {
    try {
      log().child(bindings)[level](obj, msg);
    } catch {
      process.stderr.write(`${JSON.stringify({ level, ...bindings, ...obj, msg })}\n`);
    }
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
