import { summary } from './stats.ts';

/** The worker's `setup` metric (apps/agent/src/setup-trace.ts): epoch ms per step, or null. */
export type SetupValues = Record<string, number | string | boolean | null>;

const STEPS: [string, string][] = [
  // Only a press from the widget has it: when the API received the POST.
  ['postAt', 'POST /v1/calls received by the API'],
  ['jobAt', 'job reached a worker process'],
  ['assistantAt', 'site settings fetched'],
  ['connectedAt', 'assistant joined the room'],
  ['sessionAt', 'voice session started'],
  ['visitorJoinedAt', 'visitor seen in the room'],
  ['visitorAudioAt', "visitor's microphone subscribed"],
  ['greetingAt', 'greeting asked for'],
  ['firstAudioAt', 'first greeting frame sent by the worker'],
];

/**
 * One row per step of the call's setup, each as ms from the press (the POST leaving the client):
 * where a slow call lost its time. All processes run on one host, so their clocks agree.
 */
export function setupBreakdown(calls: { t0: number; setup: SetupValues; heardAt: number }[]) {
  const rows = STEPS.flatMap(([key, label]) => {
    const ms = calls.flatMap(({ t0, setup }) => {
      const at = setup[key];
      return typeof at === 'number' ? [at - t0] : [];
    });
    return ms.length ? [{ label, ...summary(ms) }] : [];
  });
  rows.push({
    label: 'first greeting audio heard by the visitor',
    ...summary(calls.map((c) => c.heardAt - c.t0)),
  });
  return rows;
}

export function breakdownTable(rows: ReturnType<typeof setupBreakdown>): string {
  return [
    '| step (ms after the POST was sent) | n | p50 | p95 |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.label} | ${r.n} | ${r.p50} | ${r.p95} |`),
  ].join('\n');
}
