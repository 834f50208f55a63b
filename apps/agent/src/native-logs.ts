import { createRequire } from 'node:module';
import { FfiEvent, livekitInitialize } from '@livekit/rtc-ffi-bindings';
import { AudioSource } from '@livekit/rtc-node';

/** What rtc-node keeps in `globalThis` (shared by its ESM and CommonJS builds). */
interface FfiClientLike {
  emit(event: 'ffi_event', value: FfiEvent): boolean;
}

function ffiClient(): FfiClientLike | undefined {
  const client = (globalThis as { _ffiClientInstance?: unknown })._ffiClientInstance;
  if (typeof client !== 'object' || client === null || !('emit' in client)) return undefined;
  return typeof client.emit === 'function' ? (client as FfiClientLike) : undefined;
}

/** rtc-node's own package.json: its exports leave it out, and its entry sits in dist/. */
export function rtcNodeManifest(): { version: string; dependencies: Record<string, string> } {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@livekit/rtc-node');
  return require(entry.replace(/dist[/\\][^/\\]+$/, 'package.json'));
}

export type NativeLogsResult = 'quiet' | 'unavailable';

/**
 * rtc-node 0.13.35 starts its native part with log capture on, which makes every log record of
 * the Rust SDK and libwebrtc (debug and trace included: about 2,000 a second in a two-party call)
 * an event of its own: encoded in Rust, woken into JavaScript, decoded from protobuf and then
 * dropped, as rtc-node has no handler for logs. It cost half the CPU of joining a room and
 * publishing a track, in the very seconds a visitor waits for the greeting. Initialising the native
 * part again with capture off keeps those records in Rust, where `RUST_LOG` filters them (off
 * unless the operator sets it, as nothing was printed before). Events keep going to rtc-node's
 * client, decoded exactly as rtc-node decodes them.
 *
 * Call once per process before joining any room. If a later rtc-node moves its client, this does
 * nothing and says so: the logs are then captured as before, which costs CPU, not correctness.
 */
export async function quietNativeLogs(): Promise<NativeLogsResult> {
  // Read once, from the process's environment, when the native logger is built (on rtc-node's
  // first native call, just below).
  process.env.RUST_LOG ??= 'off';
  // rtc-node initialises the native part on its first native call; it must go first, or it would
  // turn capture back on.
  const probe = new AudioSource(48_000, 1);
  await probe.close();
  const client = ffiClient();
  if (!client) return 'unavailable';
  // rtc-node's version, as rtc-node itself reports it to LiveKit when it joins a room.
  livekitInitialize(
    (data) => client.emit('ffi_event', FfiEvent.fromBinary(data)),
    false,
    rtcNodeManifest().version,
  );
  return 'quiet';
}
