#!/usr/bin/env bash
# npm start: install what is missing (idempotent, seconds when cached), then run the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent -w @voicedesk/widget >/dev/null
# The staff dashboard, served by the API at /app.
npm run build --silent -w @voicedesk/dashboard >/dev/null
exec node --import tsx scripts/start.ts "$@"
