import { createRequire } from 'node:module';

/**
 * Stands in for `fluent-ffmpeg` in the worker's bundle (apps/agent/scripts/bundle-worker.ts): the
 * real package, loaded the first time a command is made.
 *
 * Why: the voice framework imports fluent-ffmpeg at the top of modules every job process loads,
 * to decode audio files and to record sessions to disk, neither of which a call here does (the
 * platform records calls itself). Loading it took about 30 ms of each job process's start. The
 * framework sets the binary's path at import (`setFfmpegPath`), so that is kept and handed to the
 * real package when it loads; making a command (`ffmpeg(input)`) is the only other use.
 */
type MakeCommand = (...args: unknown[]) => unknown;
type Ffmpeg = MakeCommand & { setFfmpegPath(path: string): unknown };

// The package's name in a variable, so that the bundler leaves this require to run time.
const FLUENT_FFMPEG = 'fluent-ffmpeg';
let loaded: Ffmpeg | undefined;
let ffmpegPath: string | undefined;

function real(): Ffmpeg {
  if (!loaded) {
    loaded = createRequire(import.meta.url)(FLUENT_FFMPEG) as Ffmpeg;
    if (ffmpegPath !== undefined) loaded.setFfmpegPath(ffmpegPath);
  }
  return loaded;
}

function ffmpeg(...args: unknown[]): unknown {
  return real()(...args);
}

ffmpeg.setFfmpegPath = (path: string): typeof ffmpeg => {
  ffmpegPath = path;
  loaded?.setFfmpegPath(path);
  return ffmpeg;
};

export default ffmpeg;
