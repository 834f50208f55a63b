import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { pushBounded } from './bounded-list.ts';
import { handlePipelineRoute, type PipelineState } from './http-routes.ts';
import { RealtimeSession, type RealtimeSessionInfo } from './realtime-session.ts';
import { type DoubleScript, defaultDemoScript, streamTranscript } from './script.ts';
import { TranscriptionSession, type TranscriptionSessionInfo } from './transcription-session.ts';

/** The double's default `remember`: far more than any test or bench reads. */
const DOUBLE_MEMORY = 200;

export interface ModelDouble {
  /** The base URL to give the OpenAI plugin (ends in /v1). */
  url: string;
  port: number;
  vadSilenceMs: number;
  /** The latest realtime sessions (at most `remember`), oldest first. */
  sessions: RealtimeSessionInfo[];
  /** The latest streaming transcription sessions (`/v1/realtime?intent=transcription`), oldest first. */
  transcriptionSessions: TranscriptionSessionInfo[];
  stats: { responses: number; streamTranscripts: number; speeches: string[] } & PipelineState;
  setScript(script: DoubleScript): void;
  setLatency(ms: number): void;
  /**
   * Fails every open realtime session with a fatal account error (`insufficient_quota` unless
   * told), as OpenAI does when an account runs out of credit mid-call; transcription sessions and
   * new realtime sessions go on. Returns how many sessions were failed.
   */
  failRealtimeSessions(code?: string): number;
  close(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A local server speaking OpenAI's Realtime WebSocket protocol and the transcription, chat and
 * speech HTTP routes, with scripted answers. Production differs only in the base URL.
 */
export async function startModelDouble(
  opts: {
    port?: number;
    host?: string;
    script?: DoubleScript;
    latencyMs?: number;
    silenceMs?: number;
    /** How many of the latest sessions, and of each kind of request's details, are kept. */
    remember?: number;
  } = {},
): Promise<ModelDouble> {
  const remember = opts.remember ?? DOUBLE_MEMORY;
  let script = opts.script ?? defaultDemoScript;
  let latencyMs = opts.latencyMs ?? 0;
  const silenceMs = opts.silenceMs ?? 500;
  const sessions: RealtimeSessionInfo[] = [];
  const liveSessions = new Set<RealtimeSession>();
  const transcriptionSessions: TranscriptionSessionInfo[] = [];
  const stats = {
    responses: 0,
    transcriptions: 0,
    completions: 0,
    streamTranscripts: 0,
    speeches: [] as string[],
  };

  const server = createServer((req, res) => {
    handlePipelineRoute(req, res, script, stats, latencyMs, remember).catch((err: unknown) => {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: String(err) } }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://double');
    if (url.pathname !== '/v1/realtime') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (url.searchParams.get('intent') === 'transcription') {
        const transcription = new TranscriptionSession(
          ws,
          {
            defaultSilenceMs: silenceMs,
            nextTranscript: () => streamTranscript(script, stats.streamTranscripts++),
          },
          url.searchParams.get('model'),
        );
        pushBounded(transcriptionSessions, transcription.info, remember);
        return;
      }
      const session = new RealtimeSession(
        ws,
        {
          script: () => script,
          latencyMs: () => latencyMs,
          defaultSilenceMs: silenceMs,
          onResponse: () => {
            stats.responses++;
          },
        },
        url.searchParams.get('model'),
      );
      pushBounded(sessions, session.info, remember);
      liveSessions.add(session);
      ws.on('close', () => liveSessions.delete(session));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    vadSilenceMs: silenceMs,
    sessions,
    transcriptionSessions,
    stats,
    setScript: (s) => {
      script = s;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    failRealtimeSessions: (code = 'insufficient_quota') => {
      const open = [...liveSessions].filter((session) => session.open);
      for (const session of open) session.failForAccount(code);
      return open.length;
    },
    close,
    stop: close,
  };
}
