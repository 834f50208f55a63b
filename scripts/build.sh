#!/usr/bin/env bash
# npm run build: compiles what production runs to JavaScript, from a clean slate each time.
#   packages/{core,config,db}/dist, apps/{api,agent}/dist   tsc -b (project references, tsconfig.build.json)
#   apps/agent/dist/bundle                                  esbuild: the worker and its job processes, one bundle
#   apps/widget/dist                                        vite: widget.js + voicedesk-call-<hash>.js, .gz/.br beside each
#   apps/dashboard/dist                                     vite: index.html + assets/<name>-<hash>.{js,css}, .gz/.br beside each
# Built processes run with NODE_OPTIONS=--conditions=voicedesk-dist so that @voicedesk/* packages
# resolve to their dist/ (see the Dockerfile); without it they resolve to src/ as under tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s%N)
rm -rf packages/{core,config,db}/dist apps/{api,agent,widget,dashboard}/dist
npx tsc -b apps/api/tsconfig.build.json apps/agent/tsconfig.build.json
node --import tsx apps/agent/scripts/bundle-worker.ts
npm run build --silent -w @voicedesk/widget >/dev/null
npm run build --silent -w @voicedesk/dashboard >/dev/null
echo "build: api, agent (and its bundle), core, config, db, widget and dashboard in $((($(date +%s%N) - t0) / 1000000)) ms"
