import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';

/** The key pair livekit-server signs its webhooks with (`livekit.yaml`'s `keys`). */
export interface WebhookKey {
  apiKey: string;
  apiSecret: string;
}

/**
 * The `Authorization` header livekit-server sends with a webhook: a JWT from the API key whose
 * `sha256` claim is the body's digest, so a body changed on the way no longer matches it.
 */
export async function signWebhook(body: string, key: WebhookKey, ttlSeconds = 600): Promise<string> {
  const token = new AccessToken(key.apiKey, key.apiSecret, { ttl: ttlSeconds });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}
