/** Bounded: a job process must become ready even when the API is down. */
export const HTTP_WARMUP_TIMEOUT_MS = 1_000;

/**
 * Node loads its fetch client (undici) on a process's first request, about 50 ms of CPU. A job
 * process would pay it on its call's first request (the site's settings) while the visitor waits;
 * one request to the API's liveness route while the process warms up pays it before any call.
 * Never throws: false when the API did not answer in time, which only costs the next call that.
 */
export async function warmHttpClient(apiUrl: string, timeoutMs = HTTP_WARMUP_TIMEOUT_MS): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
