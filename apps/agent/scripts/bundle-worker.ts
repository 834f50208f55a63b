/**
 * `npm run build` step: the worker and its job processes as one bundle (apps/agent/dist/bundle/,
 * `node apps/agent/dist/bundle/main.mjs start`), so that a job process loads the voice framework
 * from a few files instead of resolving and reading hundreds under node_modules. Each call gets a
 * fresh job process and the pool starts them one at a time, so their start bounds how fast calls
 * that come close together are answered (README, "Call setup and turns").
 *
 * The framework forks its job and inference processes from files it finds next to its own code
 * (`new URL('./job_proc_lazy_main.js', import.meta.url)`, with the extension it runs under), and
 * the job process then imports the agent module to run it. Both are entry points of one build
 * with shared chunks: the job process and the agent module it imports share one copy of the
 * framework, as they do from node_modules.
 */
import { copyFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const AGENT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER_BUNDLE_DIR = join(AGENT_ROOT, 'dist', 'bundle');

const require = createRequire(join(AGENT_ROOT, 'package.json'));
const frameworkDist = dirname(require.resolve('@livekit/agents'));
const sileroDist = dirname(require.resolve('@livekit/agents-plugin-silero'));

/**
 * Left to node_modules: native addons, and packages that read files beside their own code (pino's
 * transports, ffmpeg's binary, the local inference model), which would not be there in a bundle.
 */
const EXTERNAL = [
  '@livekit/rtc-node',
  '@livekit/rtc-ffi-bindings',
  '@livekit/local-inference',
  '@livekit/av',
  '@evan/opus',
  'onnxruntime-node',
  'pino',
  'pino-pretty',
];

/**
 * Packages the framework imports at start but that a call never uses (video frames, audio files,
 * session recordings to disk): each resolves to a stand-in that loads the real one on first use.
 */
const LOADED_ON_FIRST_USE: Record<string, string> = {
  sharp: join(AGENT_ROOT, 'src', 'lazy-sharp.ts'),
  'fluent-ffmpeg': join(AGENT_ROOT, 'src', 'lazy-fluent-ffmpeg.ts'),
};
const LOAD_ON_FIRST_USE: Plugin = {
  name: 'load-on-first-use',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(LOADED_ON_FIRST_USE).join('|')})$`);
    build.onResolve({ filter: names }, (args) => ({ path: LOADED_ON_FIRST_USE[args.path] }));
  },
};

// CommonJS code inside an ES module bundle still calls require (for Node's built-ins and the
// packages left external above).
const BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  'const require = __bundleCreateRequire(import.meta.url);',
].join(' ');

export async function bundleWorker(outdir: string = WORKER_BUNDLE_DIR): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      main: join(AGENT_ROOT, 'src', 'main.ts'),
      job_proc_lazy_main: join(frameworkDist, 'ipc', 'job_proc_lazy_main.js'),
      inference_proc_lazy_main: join(frameworkDist, 'ipc', 'inference_proc_lazy_main.js'),
      'inference/eot/runner': join(frameworkDist, 'inference', 'eot', 'runner.js'),
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: BANNER },
    // The framework derives an agent's id and the error types it logs from class names, which a
    // bundle would otherwise rename where two modules use the same one.
    keepNames: true,
    plugins: [LOAD_ON_FIRST_USE],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The Silero plugin opens its model beside its own code (pipeline mode's VAD).
  await copyFile(join(sileroDist, 'silero_vad.onnx'), join(outdir, 'silero_vad.onnx'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleWorker();
}
