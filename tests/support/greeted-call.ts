import { connectVisitor, type Stack } from '@voicedesk/testkit';
import { expect } from 'vitest';
import { fixture } from './fixtures.ts';
import { mintCall } from './mint-call.ts';
import { eventually } from './poll.ts';

interface CallDetail {
  status: string;
  segments: { speaker: string; text: string }[];
  metrics: { kind: string; values: Record<string, unknown> }[];
}

/**
 * One call: the visitor hears the greeting, optionally says one thing and hears the answer, and
 * hangs up. Returns where the greeting came from and the job's process (the worker's setup
 * trace), and the stored transcript.
 */
export async function greetedCall(stack: Stack, opts: { speak?: boolean } = {}) {
  const { callId, token, livekitUrl } = await mintCall(stack.apiUrl, stack.siteKey);
  const visitor = await connectVisitor({ url: livekitUrl, token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
  if (opts.speak) {
    const said = await visitor.say(fixture('visitor-1.wav'));
    const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
  }
  await visitor.hangUp();
  const segments = opts.speak ? 3 : 1;
  return eventually(
    'the call to end with its transcript and setup trace stored',
    async () => {
      const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
      const setup = d.metrics.find((m) => m.kind === 'setup');
      const done = d.status === 'completed' && d.segments.length >= segments && setup;
      return done
        ? { source: setup.values.greetingSource, processId: setup.values.processId, segments: d.segments }
        : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** Changes the stack's site through the admin API, as an admin would in the dashboard. */
export async function patchSite(stack: Stack, siteId: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.apiUrl}/v1/sites/${siteId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
