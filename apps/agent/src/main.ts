import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AgentServer,
  cli,
  defineAgent,
  type JobContext,
  type JobProcess,
  ServerOptions,
} from '@livekit/agents';
import { ConfigError } from '@voicedesk/config';
import { Admission } from './admission.ts';
import { warmHttpClient } from './http-warmup.ts';
import { type JobProcessData, runJob } from './job.ts';
import { dropFrameworkPii, frameworkLogger } from './logger.ts';
import { defaultLoopMonitor } from './loop-monitor.ts';
import { loadSileroVad } from './model.ts';
import { quietNativeLogs } from './native-logs.ts';
import { loadRuntimeConfig, type RuntimeConfig } from './runtime-config.ts';
import { startSpoolReplayer } from './spool.ts';
import { paceWarmups } from './warmup-pacing.ts';
import { takeOverStopSignals } from './worker-drain.ts';
import { SERVER_TARGET_LOAD, workerLoad } from './worker-load.ts';

/**
 * Two kinds of process run this file: the worker (`node --import tsx main.ts start|dev`), and
 * the job processes the framework forks, which import it for the default export below. Both
 * parse the same environment at import; the worker is the one that refuses to start on a bad one.
 */

function fail(message: string): never {
  process.stderr.write(`voicedesk agent: ${message}\n`);
  process.exit(1);
}

function loadConfigOrExit(): RuntimeConfig {
  try {
    return loadRuntimeConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

dropFrameworkPii();
defaultLoopMonitor();
const config = loadConfigOrExit();
const selfPath = fileURLToPath(import.meta.url);

// The framework loads the agent as the module's default export: the one default export here.
export default defineAgent<JobProcessData>({
  prewarm: async (proc: JobProcess<JobProcessData>) => {
    if ((await quietNativeLogs()) === 'unavailable') {
      frameworkLogger().warn(
        {},
        "rtc-node's native log capture could not be turned off; calls cost more CPU",
      );
    }
    if (config.voice.mode === 'pipeline') proc.userData.vad = await loadSileroVad();
    await warmHttpClient(config.apiUrl);
    // Launchers wait for this line: a worker is only ready once a warm job process can take a call.
    frameworkLogger().info({ mode: config.voice.mode }, 'job process ready');
  },
  entry: (ctx: JobContext<JobProcessData>) => runJob(ctx, config),
});

function isWorkerEntry(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(selfPath);
  } catch {
    return false;
  }
}

const WORKER_COMMANDS = new Set(['start', 'dev', 'connect']);

/**
 * The framework's CLI makes its worker out of reach and hands it to `loadFunc` only from 2.5 s
 * after registering; a stop in between, with a call already taken, must still drain it. Kept as
 * the CLI starts it instead.
 */
function keepWorkerOnRun(): () => AgentServer | undefined {
  let worker: AgentServer | undefined;
  const run = AgentServer.prototype.run;
  AgentServer.prototype.run = function (this: AgentServer) {
    worker = this;
    return run.call(this);
  };
  return () => worker;
}

/** Often enough that no call starts and ends unseen between two looks. */
const ADMISSION_OBSERVE_MS = 250;

async function startWorker(): Promise<void> {
  if (config.voice.mode === 'pipeline') {
    // A worker that cannot hear must not take jobs: check the VAD before registering.
    await loadSileroVad().catch((error: unknown) =>
      fail(error instanceof Error ? error.message : String(error)),
    );
  }
  if (paceWarmups(config.warmupHoldMs) === 'unavailable') {
    frameworkLogger().warn(
      {},
      "the framework's process pool was not found: replacement job processes start at once, beside the calls setting up",
    );
  }
  const admission = new Admission(config.maxCalls);
  // Which jobs run, as loadFunc last saw them.
  let runningJobIds: () => ReadonlySet<string> = () => new Set();
  setInterval(() => admission.observe(runningJobIds()), ADMISSION_OBSERVE_MS).unref();
  const frameworkWorker = keepWorkerOnRun();
  const stopHandlers = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  cli.runApp(
    new ServerOptions({
      agent: selfPath,
      // Explicit dispatch only: the API dispatches this name with the call id in the metadata.
      agentName: config.agentName,
      // One URL for the whole cluster (a load balancer or DNS name in front of every node): the
      // worker's registration and its jobs' room connections both dial it, so when a node dies
      // their reconnects land on a live one.
      wsURL: config.livekit.url,
      // The framework exits after 10 failed reconnects in a row (~80 s), and its job processes,
      // with every call they hold, die with it. Those calls can go on through the surviving
      // nodes, so keep retrying (every 10 s at most) for as long as LiveKit is unreachable.
      maxRetry: Number.MAX_SAFE_INTEGER,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
      port: config.agentPort,
      // Capacity in calls, not host CPU: the framework's CPU measure spikes past its threshold
      // while job processes warm up on small hosts, and a call dispatched while every worker
      // reports itself full is offered to nobody and ends up missed. Reported on
      // livekit-server's scale (see worker-load.ts), or it stops offering calls at 70 % of them.
      loadFunc: async (worker) => {
        runningJobIds = () => new Set(worker.activeJobs.map((running) => running.job.id));
        return workerLoad(worker.activeJobs.length, config.maxCalls);
      },
      loadThreshold: SERVER_TARGET_LOAD,
      // Between two load reports the server still offers every call: past the maximum, a job is
      // refused here, and the API dispatches it again once a worker has a slot.
      requestFunc: async (request) => {
        if (admission.admit(request.id, runningJobIds())) return request.accept();
        frameworkLogger().info(
          { jobId: request.id, maxCalls: config.maxCalls },
          'worker full, refusing a call',
        );
        return request.reject();
      },
      // The framework hands each call a process of its own and starts a replacement (held back
      // while the call sets up, see warmup-pacing.ts); the pool absorbs a burst of calls that
      // would otherwise wait for processes to start.
      numIdleProcesses: config.idleProcesses,
      logLevel: config.logLevel,
    }),
  );
  if (process.argv.slice(2).some((arg) => WORKER_COMMANDS.has(arg))) {
    // The framework's CLI registers its stop handlers as it starts the worker, within runApp.
    const drain = { worker: frameworkWorker, logger: frameworkLogger({ component: 'shutdown' }) };
    if (takeOverStopSignals(stopHandlers, drain) === 'unavailable') {
      frameworkLogger().warn(
        {},
        "the framework's stop handlers were not found: a stop may end running calls",
      );
    }
    startSpoolReplayer({
      dir: config.spoolDir,
      api: { apiUrl: config.apiUrl, serviceKey: config.internalServiceKey },
      logger: frameworkLogger({ component: 'spool-replay' }),
      intervalMs: config.spoolReplaySeconds * 1000,
    });
  }
}

if (isWorkerEntry()) await startWorker();
