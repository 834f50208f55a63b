import { Agent, request } from 'node:http';
import { cpuMsOf, postgresCpuMs } from './process-usage.ts';
import { percentile } from './stats.ts';

export interface LoadResult {
  concurrency: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the measured process spent per request (user + system): steadier than wall time on a busy machine. */
  cpuMsPerRequest?: number;
  /** CPU of every PostgreSQL process on this host per request, when the server runs here. */
  postgresCpuMsPerRequest?: number;
  /** The load generator's own CPU per request: it shares the cores with what it measures. */
  generatorCpuMsPerRequest: number;
}

/**
 * Runs `total` requests with `concurrency` in flight, each started as one finishes, and times
 * each. A request that throws fails the run: a throughput figure over refused requests means nothing.
 */
export async function runLoad(
  concurrency: number,
  total: number,
  send: (i: number) => Promise<void>,
  cpuPid?: number,
): Promise<LoadResult> {
  const cpuBefore = cpuPid === undefined ? 0 : cpuMsOf(cpuPid);
  const postgresBefore = postgresCpuMs();
  const generatorBefore = process.cpuUsage();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await send(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  const postgresAfter = postgresCpuMs();
  const ms = (p: number) => Math.round(percentile(latencies, p) * 10) / 10;
  const perRequest = (cpuMs: number) => Math.round((cpuMs / total) * 100) / 100;
  return {
    concurrency,
    requests: total,
    perSecond: Math.round(total / seconds),
    p50Ms: ms(50),
    p95Ms: ms(95),
    p99Ms: ms(99),
    maxMs: ms(100),
    ...(cpuPid === undefined ? {} : { cpuMsPerRequest: perRequest(cpuMsOf(cpuPid) - cpuBefore) }),
    ...(postgresBefore > 0 ? { postgresCpuMsPerRequest: perRequest(postgresAfter - postgresBefore) } : {}),
    generatorCpuMsPerRequest: perRequest((generator.user + generator.system) / 1000),
  };
}

/**
 * A keep-alive HTTP client: node:http costs the load generator less CPU than fetch, and the
 * generator shares the machine's cores with the process it measures.
 */
export function httpClient(baseUrl: string, maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  return {
    post(path: string, headers: Record<string, string>, body: string) {
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            agent,
            hostname,
            port,
            path,
            method: 'POST',
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The header of `loadRow`'s table, the unit (calls, deliveries) and rate (calls/s) named by the bench. */
export const loadHeader = (unit: string, rate: string) =>
  [
    `| run | in flight | ${unit} | ${rate} | p50 ms | p95 ms | p99 ms | CPU ms per request: API | PostgreSQL | load generator |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ].join('\n');

export const loadRow = (name: string, r: LoadResult) =>
  `| ${name} | ${r.concurrency} | ${r.requests} | ${r.perSecond} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.cpuMsPerRequest ?? ''} | ${r.postgresCpuMsPerRequest ?? ''} | ${r.generatorCpuMsPerRequest} |`;
