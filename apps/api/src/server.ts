import { serve } from '@hono/node-server';
import type { ApiConfig } from '@voicedesk/config';
import { openDatabase } from '@voicedesk/db';
import { createApp } from './app.ts';
import type { AppDeps } from './deps.ts';
import { errorFacts } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { createLiveHub } from './services/live/hub.ts';
import { createLivekitGateway } from './services/livekit-gateway.ts';
import { createApiMetrics } from './services/metrics.ts';
import { ensureDefaultSite, type SiteRow } from './services/sites.ts';
import { announceSetupCode } from './services/staff/setup-code.ts';
import { createObjectStore } from './services/storage/create-object-store.ts';
import { startSweeper } from './services/sweeper.ts';

export interface RunningApi {
  url: string;
  port: number;
  /** The /internal/* listener, when INTERNAL_PORT is set. */
  internalUrl?: string;
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
  const deps: AppDeps = {
    config,
    database,
    livekit: createLivekitGateway(config.livekit),
    live: createLiveHub(database, logger),
    logger,
    metrics: createApiMetrics(database),
    storage: createObjectStore(config.storage),
  };
  const storeReady = prepareStore(deps);
  const split = config.internalPort !== undefined;
  const sweeper = startSweeper(deps);
  const publicListener = await listen(createApp(deps, split ? 'public' : 'all'), config.port, config.host);
  const internalListener = split
    ? await listen(createApp(deps, 'internal'), config.internalPort ?? 0, config.host)
    : undefined;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${publicListener.port}`;
  // While no admin exists: the one-time setup code, in this log line only.
  await announceSetupCode(database.db, logger, config.publicBaseUrl ?? url);
  return {
    url,
    port: publicListener.port,
    ...(internalListener ? { internalUrl: `http://${host}:${internalListener.port}` } : {}),
    defaultSite,
    deps,
    async close() {
      storeReady.stop();
      await sweeper.stop();
      await deps.live.close();
      await Promise.all([publicListener.close(), internalListener?.close()]);
      await database.close();
    },
  } satisfies RunningApi;
}

/**
 * Creates the bucket (or directory) when missing. A store that is down must not keep the API from
 * taking calls: recordings wait on the recorder's spool, so this keeps trying in the background.
 */
function prepareStore(deps: AppDeps): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = () => {
    deps.storage.ensureReady().then(
      () => deps.logger.info({ store: deps.storage.kind }, 'recording store ready'),
      (err: unknown) => {
        deps.logger.warn(
          { store: deps.storage.kind, ...errorFacts(err) },
          'recording store not ready, retrying',
        );
        if (!stopped) timer = setTimeout(attempt, 5_000).unref();
      },
    );
  };
  attempt();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function listen(app: ReturnType<typeof createApp>, port: number, hostname: string) {
  return new Promise<{ port: number; close(): Promise<void> }>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
