import type { InternalApi } from '../api-client.ts';
import type { AgentLogger } from '../logger.ts';
import { leftoverSessionDirs, RecordingSpool } from './recording-spool.ts';
import { RecordingUploader } from './recording-uploader.ts';

interface RecordingReplay {
  /** Resolves when every leftover is delivered or refused. */
  done: Promise<void>;
  /** Stops retrying: what is left stays on disk for the next start. */
  stop(): Promise<void>;
}

/**
 * Sends what recordings of a previous process left in the spool: their chunks in order, then a
 * finish with what is known (the chunks taken or spooled before it died). Each leftover retries
 * on its own until the API answers.
 */
export function replayRecordings(options: {
  spoolDir: string;
  api: InternalApi;
  logger: AgentLogger;
  maxBackoffMs?: number;
}): RecordingReplay {
  const { logger } = options;
  const uploaders = new Set<RecordingUploader>();
  let stopped = false;

  async function replayOne(name: string): Promise<void> {
    const spool = await RecordingSpool.claim(options.spoolDir, name, logger);
    if (!spool) return;
    const { progress, chunks } = await spool.read();
    if (chunks.length > 0 && !progress?.startedAt) {
      logger.error(
        { callId: spool.callId, chunks: chunks.length },
        'spooled recording has no start instant, dropping it',
      );
      await spool.remove();
      return;
    }
    const uploader = new RecordingUploader({
      api: options.api,
      callId: spool.callId,
      spool,
      logger,
      totals: {
        startedAt: progress?.startedAt ?? null,
        chunks: progress?.chunks ?? 0,
        durationMs: progress?.durationMs ?? 0,
        bytes: progress?.bytes ?? 0,
      },
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
    });
    uploaders.add(uploader);
    logger.info({ callId: spool.callId, chunks: chunks.length }, 'replaying a spooled recording');
    for (const chunk of chunks) uploader.addSpooledChunk(chunk);
    uploader.finish();
    if (stopped) await uploader.stop();
    await uploader.settled();
    uploaders.delete(uploader);
  }

  const done = leftoverSessionDirs(options.spoolDir).then(async (names) => {
    await Promise.all(names.map((name) => replayOne(name)));
  });
  return {
    done,
    async stop() {
      stopped = true;
      await Promise.all([...uploaders].map((uploader) => uploader.stop()));
    },
  };
}
