import { ConfigError, loadApiConfig } from '@voicedesk/config';
import { createLogger } from './logger.ts';
import { startApiServer } from './server.ts';

async function main() {
  let config: ReturnType<typeof loadApiConfig>;
  try {
    config = loadApiConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`voicedesk api: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const api = await startApiServer(config, logger);
  logger.info(
    { url: api.url, database: config.database.kind, siteKey: api.defaultSite.publicKey },
    'api listening',
  );
  // A machine-readable line the launcher waits for (no secrets in it).
  console.log(`VOICEDESK_API_READY ${JSON.stringify({ url: api.url, siteKey: api.defaultSite.publicKey })}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await api.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

await main();
