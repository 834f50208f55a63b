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
    // fromEntries defines each key as data: a body's "__proto__" assigned with `out[key] =` would
    // become the copy's prototype instead of a key of it.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !SECRET_KEYS.test(key))
        .map(([key, inner]) => [key, sanitizePayload(inner)]),
    );
  }
  return value;
}
