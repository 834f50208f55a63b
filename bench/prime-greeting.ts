import { connectVisitor } from '@voicedesk/testkit';
import { createCall } from './bench-call.ts';

/**
 * One call whose visitor hears the whole greeting, so the model speaks it once and the worker
 * keeps it (apps/agent/src/greeting.ts), as a site's first call does in production. The benches'
 * visitors hang up as soon as the greeting starts, which never lets it be kept.
 */
export async function primeGreeting(target: {
  apiUrl: string;
  siteKey: string;
  origin?: string;
}): Promise<void> {
  const call = await createCall(target);
  const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: 30_000 });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 30_000 });
  await visitor.hangUp();
  // The job writes the kept greeting as it ends.
  await new Promise((r) => setTimeout(r, 2_000));
}
