import { CALL_STATUSES } from '@voicedesk/core';
import { callJobs, type DatabaseHandle, voiceCalls } from '@voicedesk/db';
import { count, isNull } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The API's Prometheus metrics, one registry per AppDeps: prom-client's default registry is
 * process-global, and two apps in one test process would register the same names twice. Both
 * listeners share one AppDeps, so the internal listener's /metrics covers public traffic too.
 */
export interface ApiMetrics {
  registry: Registry;
  requestSeconds: Histogram<'method' | 'route' | 'status_class'>;
  webhookLagSeconds: Histogram;
  assistantRedispatches: Counter;
}

export function createApiMetrics(database: DatabaseHandle): ApiMetrics {
  const registry = new Registry();
  const requestSeconds = new Histogram({
    name: 'voicedesk_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // LiveKit stamps a webhook in whole seconds, so lag under a second reads as 0 or 1.
  const webhookLagSeconds = new Histogram({
    name: 'voicedesk_livekit_webhook_lag_seconds',
    help: "Seconds from LiveKit's created_at of a webhook to the API storing it",
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });

  // Gauges read the database at scrape time: the API restarts and runs as several processes,
  // so only the tables know how many calls are in each state. prom-client collects every metric
  // of a scrape at once, so the gauges share one collection in flight: two queries per scrape.
  let collecting: Promise<void> | undefined;
  const collect = () => {
    collecting ??= (async () => {
      const { db } = database;
      const [rows, [backlog]] = await Promise.all([
        db.select({ status: voiceCalls.status, n: count() }).from(voiceCalls).groupBy(voiceCalls.status),
        db.select({ n: count() }).from(callJobs).where(isNull(callJobs.doneAt)),
      ]);
      const by = new Map<string, number>(rows.map((r) => [r.status, r.n]));
      // Every status is written, zero included: a series that vanishes reads as "no data", not 0.
      for (const status of CALL_STATUSES) callsByStatus.set({ status }, by.get(status) ?? 0);
      callsInProgress.set(by.get('connected') ?? 0);
      callsPending.set((by.get('pending') ?? 0) + (by.get('ringing') ?? 0));
      jobBacklog.set(backlog?.n ?? 0);
    })().finally(() => {
      collecting = undefined;
    });
    return collecting;
  };

  const callsByStatus = new Gauge({
    name: 'voicedesk_calls',
    help: 'Calls stored, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    collect,
  });
  const callsInProgress = new Gauge({
    name: 'voicedesk_calls_in_progress',
    help: 'Calls with the visitor and an assistant both in the room (status connected)',
    registers: [registry],
    collect,
  });
  const callsPending = new Gauge({
    name: 'voicedesk_calls_pending',
    help: 'Calls waiting for the visitor (pending) or for an assistant (ringing)',
    registers: [registry],
    collect,
  });
  const jobBacklog = new Gauge({
    name: 'voicedesk_call_jobs_backlog',
    help: 'Work a call owes outside its row (delete its room, start or finish its recording) not done yet',
    registers: [registry],
    collect,
  });

  // Counted by the instance that sweeps: a rising rate means calls arrive while every worker is full.
  const assistantRedispatches = new Counter({
    name: 'voicedesk_assistant_redispatches_total',
    help: "Calls whose assistant was dispatched again because no worker took the call's dispatch",
    registers: [registry],
  });

  return { registry, requestSeconds, webhookLagSeconds, assistantRedispatches };
}
