import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { rtcNodeManifest } from './native-logs.ts';

// native-logs.ts starts rtc-node's native part again through @livekit/rtc-ffi-bindings, which
// must be the very copy rtc-node uses (its events decoded by the same classes, one native
// server). The behaviour itself is tested against livekit-server in
// tests/integration/native-logs.test.ts.

const require = createRequire(import.meta.url);
const manifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

it('pins @livekit/rtc-ffi-bindings to the version rtc-node depends on, so npm keeps one copy', () => {
  const agent = manifest(new URL('../package.json', import.meta.url).pathname);
  const rtcNodeEntry = require.resolve('@livekit/rtc-node');
  const ours = (agent.dependencies as Record<string, string>)['@livekit/rtc-ffi-bindings'];
  expect(ours).toBeDefined();
  expect(ours).toBe(rtcNodeManifest().dependencies['@livekit/rtc-ffi-bindings']);
  expect(require.resolve('@livekit/rtc-ffi-bindings', { paths: [rtcNodeEntry] })).toBe(
    require.resolve('@livekit/rtc-ffi-bindings'),
  );
});
