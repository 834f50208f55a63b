import { ConfigError, loadRecorderConfig, type RecorderConfig } from '@voicedesk/config';
import { quietNativeLogs } from '../native-logs.ts';
import { createRecorderLogger } from './recorder-logger.ts';
import { startRecorder } from './recorder-service.ts';

/**
 * The built-in call recorder: `npm run recorder -w @voicedesk/agent` (tsx), or
 * `node apps/agent/dist/recorder/recorder-main.js` once built. A process of its own, apart
 * from the agent worker, so that recording scales and fails apart from the calls' voices.
 */

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

function loadConfigOrExit(): RecorderConfig {
  try {
    return loadRecorderConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`voicedesk recorder: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = loadConfigOrExit();
const logger = createRecorderLogger(config.logLevel);
if ((await quietNativeLogs()) === 'unavailable') {
  logger.warn({}, "rtc-node's native log capture could not be turned off; recordings cost more CPU");
}
const running = await startRecorder(config, logger);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, recordings: running.recorder.recordings },
      'recorder stopping, finishing recordings',
    );
    running
      .close()
      .catch((error: unknown) =>
        logger.error({ error: error instanceof Error ? error.name : 'unknown' }, 'recorder stop failed'),
      )
      .finally(() => process.exit(EXIT_CODES[signal]));
  });
}
