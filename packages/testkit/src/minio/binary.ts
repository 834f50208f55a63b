import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/setup.sh puts the pinned MinIO (a cache outside the repo). */
export function defaultMinioBinary(): string {
  if (process.env.MINIO_BIN) return process.env.MINIO_BIN;
  const cache = process.env.VOICEDESK_CACHE ?? join(homedir(), '.cache', 'voicedesk');
  return join(cache, 'bin', 'minio');
}
