/**
 * LiveKit's room object carries the TURN password in every webhook, and an egress webhook
 * repeats the egress request with the storage credentials (S3 access key and secret, GCP
 * credentials, Azure account key); those and any other credential-shaped key are removed
 * before a payload is stored or returned.
 */
const SECRET_KEYS =
  /^(turn_?password|token|secret|api_?secret|password|authorization|access_?key|session_?token|credentials|account_?key)$/i;

export function sanitizePayload(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sanitizePayload);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_KEYS.test(key)) continue;
      out[key] = sanitizePayload(inner);
    }
    return out;
  }
  return value;
}
