import { randomBytes } from 'node:crypto';
import { type ApiConfig, loadApiConfig } from '@voicedesk/config';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { findFreePort, startLivekitServer } from '@voicedesk/testkit';
import { type RunningApi, startApiServer } from '../../apps/api/src/server.ts';

export const POSTGRES_SERVER_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_ORIGIN = 'https://shop.example.test';

export interface ApiHarness {
  api: RunningApi;
  config: ApiConfig;
  livekit: Awaited<ReturnType<typeof startLivekitServer>>;
  siteKey: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  admin(path: string): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * A real API (in this process, on a real port) on its own fresh Postgres database, with a
 * real livekit-server whose webhooks point at it. One per test file.
 */
export async function startApiHarness(
  name: string,
  overrides: Record<string, string> = {},
  opts: { webhookUrls?: (apiUrl: string) => string[] } = {},
): Promise<ApiHarness> {
  const dbName = `voicedesk_${name}_test`;
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, dbName);
  const port = await findFreePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const livekit = await startLivekitServer({
    webhookUrls: opts.webhookUrls?.(apiUrl) ?? [`${apiUrl}/v1/livekit/webhook`],
  });
  const siteKey = `pk_test_${randomBytes(6).toString('hex')}`;
  const config = loadApiConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    ADMIN_API_KEY: randomBytes(16).toString('hex'),
    INTERNAL_SERVICE_KEY: randomBytes(16).toString('hex'),
    VISITOR_KEY_SECRET: randomBytes(16).toString('hex'),
    DEFAULT_SITE_KEY: siteKey,
    DEFAULT_SITE_ORIGINS: TEST_ORIGIN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
  const api = await startApiServer(config);
  return {
    api,
    config,
    livekit,
    siteKey,
    request: (path, init) => fetch(`${api.url}${path}`, init),
    admin: (path) =>
      fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${config.adminApiKey}` } }),
    async stop() {
      await api.close();
      await livekit.stop();
      await dropTestDatabase(POSTGRES_SERVER_URL, dbName);
    },
  };
}

export function createCallRequest(
  siteKey: string,
  extra: { origin?: string; body?: unknown; headers?: Record<string, string> } = {},
): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: extra.origin ?? TEST_ORIGIN,
      ...extra.headers,
    },
    body: JSON.stringify(extra.body ?? { siteKey }),
  };
}
