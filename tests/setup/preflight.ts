import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { defaultLivekitBinary, defaultMinioBinary } from '@voicedesk/testkit';

/**
 * Fails the run up front, with the fix, when the real parts the suite needs are missing,
 * instead of letting every test time out on its own.
 */
export default async function preflight(): Promise<void> {
  const binary = process.env.LIVEKIT_BIN ?? defaultLivekitBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `livekit-server not found at ${binary}: run "bash scripts/setup.sh" (npm test does this)`,
    );
  }
  const minio = defaultMinioBinary();
  if (!existsSync(minio)) {
    throw new Error(`minio not found at ${minio}: run "bash scripts/setup.sh" (npm test does this)`);
  }
  const pg = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(pg.port || 5432), pg.hostname, () => {
      socket.end();
      resolve();
    });
    socket.on('error', (err) =>
      reject(new Error(`PostgreSQL is not reachable at ${pg.host} (${err.message}); set TEST_POSTGRES_URL`)),
    );
  });
}
