#!/usr/bin/env bash
# npm test: the whole suite against the real parts (livekit-server, PostgreSQL, the agent worker).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
echo "== widget build" && npm run build --silent -w @voicedesk/widget >/dev/null
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
echo "== typecheck" && npx tsc -p tsconfig.json --noEmit
echo "== lint" && npx biome check .
echo "== tests" && npx vitest run "$@"
