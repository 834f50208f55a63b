import { openDatabase, sites } from '@voicedesk/db';
import type { Stack } from '@voicedesk/testkit';
import { eq } from 'drizzle-orm';

/** Where the benches' visitors come from: every bench stack allows this origin. */
export const BENCH_ORIGIN = 'https://bench.example.test';

/** What `POST /v1/calls` answers a visitor's press with. */
export interface MintedCall {
  callId: string;
  token: string;
  livekitUrl: string;
}

/** The widget's press, as one visitor: anything but 201 fails the bench, with the API's answer. */
export async function createCall(
  target: { apiUrl: string; siteKey: string; origin?: string },
  extraHeaders: Record<string, string> = {},
): Promise<MintedCall> {
  const res = await fetch(`${target.apiUrl}/v1/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: target.origin ?? BENCH_ORIGIN, ...extraHeaders },
    body: JSON.stringify({ siteKey: target.siteKey }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as MintedCall;
}

export interface CallMetric {
  turn: number;
  kind: string;
  values: Record<string, number | string | boolean | null>;
}

/**
 * The worker reports a call's metrics as it goes, and the last may land just after the hang-up:
 * polls the call's detail for up to 5 s until `pick` finds what it needs there.
 */
export async function callMetrics<T>(
  stack: Pick<Stack, 'admin'>,
  callId: string,
  pick: (metrics: CallMetric[]) => T | undefined,
): Promise<T | undefined> {
  for (let i = 0; i < 50; i++) {
    const detail = await stack.admin<{ metrics: CallMetric[] }>(`/v1/calls/${callId}`);
    const picked = pick(detail.metrics);
    if (picked !== undefined) return picked;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/**
 * A bench presses the button far more often, from one address, than a site's caps on calls
 * waiting and in progress allow: they are raised for its site (with `settings`, any other of the
 * site's settings the bench needs), and its tables say so.
 */
export async function raiseSiteCaps(
  databaseUrl: string,
  siteKey: string,
  settings: Partial<typeof sites.$inferInsert> = {},
): Promise<void> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 1 });
  try {
    await database.db
      .update(sites)
      .set({ maxPendingCalls: 1_000_000, maxActiveCalls: 1_000_000, ...settings })
      .where(eq(sites.publicKey, siteKey));
  } finally {
    await database.close();
  }
}
