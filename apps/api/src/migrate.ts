import { ConfigError, loadApiConfig } from '@voicedesk/config';
import { openDatabase } from '@voicedesk/db';

/** One-shot migration runner (the compose `migrate` service); the API also migrates on start. */
try {
  const config = loadApiConfig();
  const database = await openDatabase(config.database, { maxConnections: 1 });
  await database.migrate();
  await database.close();
  console.log(`migrations applied (${config.database.kind})`);
} catch (err) {
  console.error(err instanceof ConfigError ? `voicedesk migrate: ${err.message}` : err);
  process.exit(1);
}
