import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { httpUrl, livekitFields, logLevel, secret } from './fields.ts';
import { parseEnv } from './parse-env.ts';

const agentEnvSchema = z.object({
  ...livekitFields,
  API_URL: httpUrl.default('http://127.0.0.1:3000'),
  INTERNAL_SERVICE_KEY: secret(16),
  AGENT_NAME: z.string().min(1).default('voicedesk-support'),
  // The voice service is required at start-up: a worker that cannot speak must not take jobs.
  OPENAI_API_KEY: z
    .string({ error: 'set it to your OpenAI key (or any key your compatible server accepts)' })
    .min(1),
  OPENAI_BASE_URL: httpUrl.default('https://api.openai.com/v1'),
  VOICE_MODE: z.enum(['realtime', 'pipeline']).default('realtime'),
  OPENAI_REALTIME_MODEL: z.string().default('gpt-realtime'),
  OPENAI_STT_MODEL: z.string().default('gpt-4o-mini-transcribe'),
  OPENAI_LLM_MODEL: z.string().default('gpt-4.1-mini'),
  OPENAI_TTS_MODEL: z.string().default('gpt-4o-mini-tts'),
  AGENT_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  AGENT_MAX_CALLS: z.coerce.number().int().min(1).max(1000).optional(),
  AGENT_IDLE_PROCESSES: z.coerce.number().int().min(1).max(64).default(3),
  AGENT_WARMUP_HOLD_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  AGENT_AEC_WARMUP_MS: z.coerce.number().int().min(0).max(10_000).optional(),
  VISITOR_RECONNECT_GRACE_SECONDS: z.coerce.number().int().min(1).max(300).default(20),
  AGENT_SPOOL_REPLAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  LOG_LEVEL: logLevel,
});

export interface AgentConfig {
  livekit: { url: string; apiKey: string; apiSecret: string };
  apiUrl: string;
  internalServiceKey: string;
  agentName: string;
  agentPort: number;
  /** Concurrent calls this worker takes before LiveKit offers new ones to other workers. */
  maxCalls: number;
  /**
   * Job processes kept started and warm, each waiting for one call: a call that finds none waits
   * seconds for a process to start and load the voice stack.
   */
  idleProcesses: number;
  /**
   * How long the replacement for a job process a call just took waits to start, while other warm
   * processes are still waiting: starting a process takes most of a core for half a second, which
   * the call's own setup needs on a small host. 0 starts it at once.
   */
  warmupHoldMs: number;
  /** How long a visitor whose connection dropped (not a hang-up) has to come back before the call ends as visitor_lost. */
  visitorReconnectGraceSeconds: number;
  /** How often the worker retries what ended jobs could not deliver to the API. */
  spoolReplaySeconds: number;
  voice: {
    mode: 'realtime' | 'pipeline';
    apiKey: string;
    baseUrl: string;
    realtimeModel: string;
    sttModel: string;
    llmModel: string;
    ttsModel: string;
    /**
     * How long, from the assistant's first words in a call, the visitor's voice does not
     * interrupt it: the visitor's echo cancellation has not settled yet, and the assistant's own
     * voice coming back must not cut it off. Unset: the voice framework's default (3 s).
     */
    aecWarmupMs?: number;
  };
  logLevel: z.infer<typeof logLevel>;
}

/**
 * Three calls per core. A talking realtime call costs the worker about 15 % of a core
 * (bench/capacity-bench.ts: 6 calls held their turn overhead on 2 cores shared with LiveKit, the
 * API and the test visitors; at 8 it went past twice the single-call figure). Past the cap the
 * worker reports itself full and LiveKit offers calls to other workers.
 */
export function defaultMaxCalls(cores: number = availableParallelism()): number {
  return 3 * cores;
}

export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const e = parseEnv(agentEnvSchema, env);
  return {
    livekit: { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    apiUrl: e.API_URL.replace(/\/$/, ''),
    internalServiceKey: e.INTERNAL_SERVICE_KEY,
    agentName: e.AGENT_NAME,
    agentPort: e.AGENT_PORT,
    maxCalls: e.AGENT_MAX_CALLS ?? defaultMaxCalls(),
    idleProcesses: e.AGENT_IDLE_PROCESSES,
    warmupHoldMs: e.AGENT_WARMUP_HOLD_MS,
    visitorReconnectGraceSeconds: e.VISITOR_RECONNECT_GRACE_SECONDS,
    spoolReplaySeconds: e.AGENT_SPOOL_REPLAY_SECONDS,
    voice: {
      mode: e.VOICE_MODE,
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL.replace(/\/$/, ''),
      realtimeModel: e.OPENAI_REALTIME_MODEL,
      sttModel: e.OPENAI_STT_MODEL,
      llmModel: e.OPENAI_LLM_MODEL,
      ttsModel: e.OPENAI_TTS_MODEL,
      aecWarmupMs: e.AGENT_AEC_WARMUP_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
