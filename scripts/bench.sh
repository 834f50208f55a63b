#!/usr/bin/env bash
# npm run bench: benchmarks against the real stack; tables on stdout, JSON in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
# Everything built: the call benchmarks run the API and the worker as production does, on node.
npm run build --silent >/dev/null
# rtc-node (the benches' simulated visitors) logs at debug level unless NODE_ENV is production,
# which buried the tables in "Connect callback received" lines; the stacks run with it already.
export NODE_ENV=production
node --import tsx bench/widget-size.ts
BENCH_MODEL_LATENCY_MS=0 node --import tsx bench/call-bench.ts
BENCH_MODEL_LATENCY_MS=300 node --import tsx bench/call-bench.ts
node --import tsx bench/media-hop.ts
node --import tsx bench/mint-bench.ts
node --import tsx bench/webhook-bench.ts
node --import tsx bench/widget-call-bench.ts
node --import tsx bench/capacity-bench.ts
node --import tsx bench/recording-bench.ts
node --import tsx bench/dashboard-queries.ts
node --import tsx bench/dashboard-load.ts
node --import tsx bench/escalation-bench.ts
