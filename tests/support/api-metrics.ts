import type { Stack } from '@voicedesk/testkit';

/** The API's Prometheus text (GET /metrics), read with the service key as a scraper would. */
export async function scrapeApiMetrics(stack: Stack): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/metrics`, {
    headers: { authorization: `Bearer ${stack.internalServiceKey}` },
  });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}
