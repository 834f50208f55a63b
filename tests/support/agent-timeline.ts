import { existsSync, readFileSync } from 'node:fs';

/** The worker's words for the steps of a call's setup, and for its refusals. */
const SETUP_STEPS = new Set([
  'received job request',
  'worker full, refusing a call',
  'job process ready',
  'visitor joined, greeting',
  'worker is at full capacity, marking as unavailable',
  'worker is below capacity, marking as available',
  'call finishing',
]);
/**
 * Warnings of the framework's event-loop monitor, which a loaded host logs many times a call:
 * counted, not listed. The worker runs without it unless LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS is set.
 */
const STALLS = ['event loop blocked', 'process not scheduled'];
const WARN = 40;

interface LogRecord {
  time?: number;
  level?: number;
  pid?: number;
  msg?: string;
  jobId?: string;
  callId?: string;
}

/**
 * The worker log's setup steps and warnings from `since` on, a short line each, seconds after
 * `since`, the last `maxLines` of them. CI keeps what the suite prints and not its log files: a test whose calls were not
 * answered puts this in its failure, so the report says where their setup went.
 */
export function agentTimeline(logFile: string, since: number, maxLines = 40): string {
  if (!existsSync(logFile)) return `(no worker log at ${logFile})`;
  const lines: string[] = [];
  let stalls = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const record = parse(line);
    if (!record?.msg || (record.time ?? 0) < since) continue;
    if (STALLS.some((stall) => record.msg?.startsWith(stall))) {
      stalls++;
      continue;
    }
    if (!SETUP_STEPS.has(record.msg) && (record.level ?? 0) < WARN) continue;
    const at = (((record.time ?? since) - since) / 1000).toFixed(2);
    const ids = [record.jobId, record.callId].filter(Boolean).join(' ');
    lines.push(`+${at}s pid ${record.pid ?? '?'} ${record.msg.slice(0, 60)} ${ids}`.trimEnd());
  }
  const shown = lines.slice(-maxLines);
  const cut = lines.length - shown.length;
  return [
    stalls > 0
      ? `worker log (and ${stalls} stall warnings: event loop blocked, process not scheduled):`
      : 'worker log:',
    ...(cut > 0 ? [`(${cut} earlier lines left out)`] : []),
    ...shown,
  ].join('\n');
}

function parse(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogRecord;
  } catch {
    return undefined;
  }
}
