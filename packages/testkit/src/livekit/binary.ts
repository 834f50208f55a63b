import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/setup.sh puts the pinned livekit-server (a cache outside the repo). */
export function defaultLivekitBinary(): string {
  if (process.env.LIVEKIT_BIN) return process.env.LIVEKIT_BIN;
  const cache = process.env.VOICEDESK_CACHE ?? join(homedir(), '.cache', 'voicedesk');
  return join(cache, 'bin', 'livekit-server');
}
