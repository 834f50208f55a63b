import { defineConfig } from 'vitest/config';

// Three projects so a developer can run the fast layer alone (`npx vitest --project unit`);
// `npm test` runs all three. Integration and e2e files start real parts of their own (a
// livekit-server, the API, the worker) on a machine's few cores, so they run file by file; the
// globalSetup only checks that those parts are installed.
// Tests beside the code that run real parts: integration tests, though they live under src/.
const INTEGRATION_BESIDE_CODE = [
  // Route tests run createApp(deps) on a real PostgreSQL.
  'apps/api/src/routes/**/*.test.ts',
  'apps/api/src/app.test.ts',
  // Store call events on a real PostgreSQL, many at once.
  'apps/api/src/services/call-lifecycle.test.ts',
  'apps/api/src/services/call-event-batcher.test.ts',
  // Command-line tools run against a real PostgreSQL.
  'apps/api/src/cli/**/*.test.ts',
  // How statements reach a real PostgreSQL.
  'packages/db/src/prepared-statements.test.ts',
  // Starts a real livekit-server.
  'packages/testkit/src/livekit/livekit-process.test.ts',
  // Start a real MinIO.
  'apps/api/src/services/storage/object-store.test.ts',
  'packages/testkit/src/minio/minio-process.test.ts',
];

// rtc-node (the tests' simulated visitors) logs at debug level unless NODE_ENV is production, and
// nothing else reads NODE_ENV here: the stacks already run the platform's processes with it.
const QUIET_RTC = { NODE_ENV: 'production' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'apps/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.ts',
            // The dashboard's generated API types against the document createApp builds.
            'apps/dashboard/scripts/*.test.ts',
          ],
          exclude: [...INTEGRATION_BESIDE_CODE, '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', ...INTEGRATION_BESIDE_CODE],
          env: QUIET_RTC,
          globalSetup: ['tests/setup/preflight.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          env: QUIET_RTC,
          globalSetup: ['tests/setup/preflight.ts'],
          fileParallelism: false,
          // Never beside the other projects: end-to-end timings (a node dying under its calls,
          // greetings heard) must not share this machine's two cores with other suites. Vitest
          // runs this group after the unit tests, and integration's one-worker files after it.
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
