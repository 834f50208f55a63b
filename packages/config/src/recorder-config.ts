import { z } from 'zod';
import { httpUrl, logLevel, port, secret } from './fields.ts';
import { parseEnv } from './parse-env.ts';

const recorderEnvSchema = z.object({
  API_URL: httpUrl.default('http://127.0.0.1:3000'),
  INTERNAL_SERVICE_KEY: secret(16),
  RECORDER_PORT: port(3002),
  /** Loopback by default: only the API may ask it to record (compose sets 0.0.0.0 on its network). */
  RECORDER_HOST: z.string().default('127.0.0.1'),
  /** Audio is uploaded at least this often: a crash of the recorder loses at most this much. */
  RECORDER_CHUNK_SECONDS: z.coerce.number().min(0.5).max(30).default(10),
  /** Chunks the API could not take (it or S3 was down) wait here, 0600, until it can. */
  RECORDER_SPOOL_DIR: z.string().optional(),
  DATA_DIR: z.string().default('.data'),
  /** Leave a room in which nobody but the recorder has been for this long. */
  RECORDER_IDLE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  LOG_LEVEL: logLevel,
});

export interface RecorderConfig {
  apiUrl: string;
  internalServiceKey: string;
  port: number;
  host: string;
  chunkSeconds: number;
  spoolDir: string;
  idleSeconds: number;
  logLevel: z.infer<typeof logLevel>;
}

export function loadRecorderConfig(env: Record<string, string | undefined> = process.env): RecorderConfig {
  const e = parseEnv(recorderEnvSchema, env);
  return {
    apiUrl: e.API_URL.replace(/\/$/, ''),
    internalServiceKey: e.INTERNAL_SERVICE_KEY,
    port: e.RECORDER_PORT,
    host: e.RECORDER_HOST,
    chunkSeconds: e.RECORDER_CHUNK_SECONDS,
    spoolDir: e.RECORDER_SPOOL_DIR ?? `${e.DATA_DIR}/recorder-spool`,
    idleSeconds: e.RECORDER_IDLE_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}
