import type { RecorderStart } from '@voicedesk/core';
import type { InternalApi } from '../api-client.ts';
import type { AgentLogger } from '../logger.ts';
import { RecordingSession, type RecordingSessionOptions } from './recording-session.ts';

export type StartResult = 'started' | 'already_recording' | 'closing';

export interface RecorderOptions {
  api: InternalApi;
  spoolDir: string;
  chunkSeconds: number;
  idleSeconds: number;
  logger: AgentLogger;
  /** Tests shorten the waits inside a session. */
  session?: Pick<RecordingSessionOptions, 'maxBackoffMs' | 'joinAttempts' | 'mixer'>;
}

/** The recordings this process holds, one per call. */
export class Recorder {
  readonly #opts: RecorderOptions;
  readonly #sessions = new Map<string, RecordingSession>();
  #closing = false;

  constructor(options: RecorderOptions) {
    this.#opts = options;
  }

  get recordings(): number {
    return this.#sessions.size;
  }

  /** Idempotent per call: a call already recording is left as it is. */
  start(request: RecorderStart): StartResult {
    if (this.#closing) return 'closing';
    if (this.#sessions.has(request.callId)) return 'already_recording';
    const { api, spoolDir, chunkSeconds, idleSeconds, logger } = this.#opts;
    const session = new RecordingSession({
      request,
      api,
      spoolDir,
      chunkSeconds,
      idleSeconds,
      logger,
      ...this.#opts.session,
    });
    this.#sessions.set(request.callId, session);
    logger.info({ callId: request.callId }, 'recording requested');
    void session.done
      .catch((error: unknown) =>
        logger.error(
          { callId: request.callId, error: error instanceof Error ? error.name : 'unknown' },
          'recording failed',
        ),
      )
      .finally(() => this.#sessions.delete(request.callId));
    return 'started';
  }

  /**
   * Ends every recording: flushed, uploaded and finished, or, past the deadline, left in the
   * spool for the next start to replay.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#sessions.values()].map((session) => session.shutdown(deadlineMs)));
  }
}
