import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { RecorderConfig } from '@voicedesk/config';
import type { InternalApi } from '../api-client.ts';
import type { AgentLogger } from '../logger.ts';
import { Recorder, type RecorderOptions } from './recorder.ts';
import { createRecorderApp } from './recorder-app.ts';
import { replayRecordings } from './recording-replay.ts';

export interface RunningRecorder {
  url: string;
  port: number;
  recorder: Recorder;
  /** Resolves once the spool left by a previous process is delivered (or refused). */
  replayed: Promise<void>;
  /** Stops taking requests, then ends every recording (see Recorder.shutdown). */
  close(deadlineMs?: number): Promise<void>;
}

/** Chunks of up to 30 s go to a possibly slow S3 behind the API: a minute per request at most. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Compose gives a container 10 s between SIGTERM and SIGKILL by default. */
const SHUTDOWN_DEADLINE_MS = 8_000;

/** Replays the spool, then listens for recording requests. Used by recorder-main.ts and tests. */
export async function startRecorder(
  config: RecorderConfig,
  logger: AgentLogger,
  overrides: Pick<RecorderOptions, 'session'> & { fetchImpl?: typeof fetch } = {},
): Promise<RunningRecorder> {
  const api: InternalApi = {
    apiUrl: config.apiUrl,
    serviceKey: config.internalServiceKey,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(overrides.fetchImpl ? { fetchImpl: overrides.fetchImpl } : {}),
  };
  const spoolDir = resolve(config.spoolDir);
  const maxBackoffMs = overrides.session?.maxBackoffMs;
  const replay = replayRecordings({
    spoolDir,
    api,
    logger,
    ...(maxBackoffMs === undefined ? {} : { maxBackoffMs }),
  });
  const recorder = new Recorder({
    api,
    spoolDir,
    chunkSeconds: config.chunkSeconds,
    idleSeconds: config.idleSeconds,
    logger,
    ...(overrides.session ? { session: overrides.session } : {}),
  });
  const app = createRecorderApp({ serviceKey: config.internalServiceKey, recorder, logger });
  const listener = await new Promise<{ port: number; close(): Promise<void> }>((done) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
      done({ port: info.port, close: () => new Promise<void>((closed) => server.close(() => closed())) }),
    );
  });
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  logger.info({ port: listener.port, chunkSeconds: config.chunkSeconds }, 'recorder listening');
  return {
    url: `http://${host}:${listener.port}`,
    port: listener.port,
    recorder,
    replayed: replay.done,
    async close(deadlineMs = SHUTDOWN_DEADLINE_MS) {
      // New requests are refused (503) from here while the recordings end.
      const closed = listener.close();
      await Promise.all([recorder.shutdown(deadlineMs), replay.stop()]);
      await closed;
    },
  };
}
