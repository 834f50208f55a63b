/**
 * What an error may tell the log: its kind and code, never its message. The agent's errors
 * come from the API, the model and LiveKit, and any of them may quote what the visitor said
 * or the assistant's instructions.
 */
export function errorFacts(error: unknown): { errors: string[]; code?: string } {
  const errors: string[] = [];
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (!(current instanceof Error)) {
      errors.push(typeof current);
      break;
    }
    errors.push(current.name);
    const fields = current as Error & { code?: unknown; cause?: unknown };
    if (code === undefined && (typeof fields.code === 'string' || typeof fields.code === 'number')) {
      code = String(fields.code).slice(0, 64);
    }
    current = fields.cause;
  }
  return code === undefined ? { errors } : { errors, code };
}
