import type { TurnMetric } from '../api/call-detail.ts';

export interface SetupRow {
  label: string;
  /** ms after the visitor's press, or after the call was created when the widget sent no press. */
  atMs: number;
  /** ms since the step before: where a slow call lost its time. */
  stepMs: number;
}

export interface CallSetup {
  /** What `atMs` counts from. */
  from: 'press' | 'created';
  rows: SetupRow[];
  greetingSource: string | null;
}

/** The worker's setup steps (apps/agent/src/setup-trace.ts), in order, as admins read them. */
const STEPS: [key: string, label: string][] = [
  ['jobAt', 'A worker process took the call'],
  ['assistantAt', 'Site settings loaded'],
  ['connectedAt', 'Assistant joined the room'],
  ['sessionAt', 'Voice session started'],
  ['visitorJoinedAt', 'Visitor joined'],
  ['visitorAudioAt', "Visitor's microphone connected"],
  ['greetingAt', 'Greeting started'],
  ['firstAudioAt', 'First greeting audio sent'],
];

const GREETING_SOURCES: Record<string, string> = {
  cache: 'kept audio of the site’s greeting',
  model: 'spoken by the model',
  tts: 'read by the voice',
};

/**
 * From the `setup` metric (and the widget's `press`, when it sent one) to rows of ms after the
 * press. Steps the call never reached are left out; a step reached before the one listed above
 * it (the visitor may join before the assistant) is shown in the order it happened.
 */
export function callSetup(metrics: readonly TurnMetric[], createdAt: string): CallSetup | undefined {
  const setup = metrics.find((m) => m.kind === 'setup');
  if (!setup) return undefined;
  const press = metrics.find((m) => m.kind === 'press')?.values;
  const pressedAt = typeof press?.pressedAt === 'number' ? press.pressedAt : undefined;
  const created = typeof press?.receivedAt === 'number' ? press.receivedAt : Date.parse(createdAt);
  const start = pressedAt ?? created;
  const reached = [
    { label: 'Call created', at: created },
    ...STEPS.flatMap(([key, label]) => {
      const at = setup.values[key];
      return typeof at === 'number' ? [{ label, at }] : [];
    }),
  ].sort((a, b) => a.at - b.at);
  let before = start;
  const rows = reached.map(({ label, at }) => {
    const row = { label, atMs: Math.round(at - start), stepMs: Math.round(at - before) };
    before = at;
    return row;
  });
  const source = setup.values.greetingSource;
  return {
    from: pressedAt === undefined ? 'created' : 'press',
    rows,
    greetingSource: typeof source === 'string' ? (GREETING_SOURCES[source] ?? source) : null,
  };
}
