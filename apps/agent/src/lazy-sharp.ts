import { createRequire } from 'node:module';

/**
 * Stands in for `sharp` in the worker's bundle (apps/agent/scripts/bundle-worker.ts): the real
 * sharp, loaded the first time it is called.
 *
 * Why: the voice framework imports sharp at the top of a module every job process loads, to
 * encode video frames for a model, and only ever calls it. Calls here carry audio only, yet each
 * job process paid for loading sharp and its native image library at start: about 110 ms of a
 * job process's start on the 2-core host, while the pool starts job processes one at a time
 * (README, "sharp and fluent-ffmpeg load on first use in the worker's bundle").
 */
type SharpFunction = (...args: unknown[]) => unknown;

// The package's name in a variable, so that the bundler leaves this require to run time.
const SHARP = 'sharp';
let loaded: SharpFunction | undefined;

export default function sharp(...args: unknown[]): unknown {
  loaded ??= createRequire(import.meta.url)(SHARP) as SharpFunction;
  return loaded(...args);
}
