#!/usr/bin/env bash
# npm run bench: benchmarks against the real stack; tables on stdout, JSON in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
npm run build --silent -w @voicedesk/widget >/dev/null
npm run build --silent -w @voicedesk/dashboard >/dev/null
node --import tsx bench/widget-size.ts
node --import tsx bench/call-bench.ts
node --import tsx bench/mint-bench.ts
node --import tsx bench/webhook-bench.ts
node --import tsx bench/widget-call-bench.ts
node --import tsx bench/recording-bench.ts
node --import tsx bench/dashboard-queries.ts
node --import tsx bench/dashboard-load.ts
node --import tsx bench/escalation-bench.ts
