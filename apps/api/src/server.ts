import { serve } from '@hono/node-server';
import type { ApiConfig } from '@voicedesk/config';
import { openDatabase } from '@voicedesk/db';
import { createApp } from './app.ts';
import type { AppDeps } from './deps.ts';
import { createLogger, type Logger } from './logger.ts';
import { createLivekitGateway } from './services/livekit-gateway.ts';
import { ensureDefaultSite, type SiteRow } from './services/sites.ts';
import { startSweeper } from './services/sweeper.ts';

export interface RunningApi {
  url: string;
  port: number;
  defaultSite: SiteRow;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Wires real dependencies, applies migrations, and listens. Used by main.ts and tests. */
export async function startApiServer(config: ApiConfig, logger: Logger = createLogger(config.logLevel)) {
  const database = await openDatabase(config.database);
  await database.migrate();
  const defaultSite = await ensureDefaultSite(database.db, {
    key: config.defaultSite.key,
    origins: config.defaultSite.origins,
  });
  const deps: AppDeps = { config, database, livekit: createLivekitGateway(config.livekit), logger };
  const app = createApp(deps);
  const sweeper = startSweeper(deps);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
        resolve({ server, port: info.port }),
      );
    },
  );
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    defaultSite,
    deps,
    async close() {
      await sweeper.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  } satisfies RunningApi;
}
