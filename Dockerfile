# syntax=docker/dockerfile:1
# Multi-stage image for VoiceDesk. Targets:
#   api    node apps/api/dist/main.js        (the compose `migrate` service runs apps/api/dist/migrate.js)
#   agent  node apps/agent/dist/bundle/main.mjs start   (the worker and its job processes, one bundle)
# The build stage compiles everything with `npm run build`; the runtime images hold the built
# JavaScript and the production dependencies of their one workspace, on Node 22 LTS, no tsx.
# tests/e2e/built-dist.test.ts replays the deps stages, the runtime COPYs, ENV and CMD below.

ARG NODE_IMAGE=node:22-bookworm-slim

# Only the npm manifests, so the `npm ci` layers are rebuilt only when dependencies change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out \
  && find . -name node_modules -prune -o -name package.json -print | xargs -I{} cp --parents {} /out/ \
  && cp package-lock.json .npmrc /out/

# Every workspace with dev dependencies (tsc, vite), then `npm run build`.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# npm 10 (Node 22) runs install scripts that npm 11 leaves to package.json's allowScripts:
# onnxruntime-node (silero) would download GPU binaries (the CPU ones ship in its package), and
# @scarf/scarf (of swagger-ui-dist) would report the install to its vendor.
ENV ONNXRUNTIME_NODE_INSTALL=skip SCARF_ANALYTICS=false
COPY --from=manifests /out/ ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies of one workspace each (and of the workspace packages it uses).
FROM ${NODE_IMAGE} AS api-deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip SCARF_ANALYTICS=false
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --workspace @voicedesk/api --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS agent-deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip SCARF_ANALYTICS=false
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --workspace @voicedesk/agent --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN mkdir -p /app/.data && chown node:node /app/.data
# voicedesk-dist: @voicedesk/* packages resolve to their dist/ (their src/ is not in the image).
ENV NODE_ENV=production NODE_OPTIONS=--conditions=voicedesk-dist
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
COPY --from=api-deps /app/ ./
COPY --from=build /app/packages/core/dist ./packages/core/dist
COPY --from=build /app/packages/config/dist ./packages/config/dist
COPY --from=build /app/packages/db/dist ./packages/db/dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/apps/api/dist ./apps/api/dist
# Served by the API as /widget.js and /voicedesk-call-<hash>.js.
COPY --from=build /app/apps/widget/dist ./apps/widget/dist
# The staff dashboard, served by the API at /app.
COPY --from=build /app/apps/dashboard/dist ./apps/dashboard/dist
USER node
ENV PORT=3000 HOST=0.0.0.0
EXPOSE 3000
CMD ["node", "apps/api/dist/main.js"]

FROM runtime AS agent
COPY --from=agent-deps /app/ ./
COPY --from=build /app/packages/core/dist ./packages/core/dist
COPY --from=build /app/packages/config/dist ./packages/config/dist
COPY --from=build /app/apps/agent/dist ./apps/agent/dist
USER node
# Each call runs in a job process of its own that loads the voice stack afresh; Node 22's compile
# cache (kept in the agent's data volume) spares every later process compiling it again.
ENV AGENT_PORT=8081 NODE_COMPILE_CACHE=/app/.data/node-compile-cache
EXPOSE 8081
CMD ["node", "apps/agent/dist/bundle/main.mjs", "start"]
