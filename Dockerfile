# syntax=docker/dockerfile:1
# Multi-stage image for VoiceDesk. Targets:
#   api    node --import tsx apps/api/src/main.ts       (also runs apps/api/src/migrate.ts)
#   agent  node --import tsx apps/agent/src/main.ts start
# TypeScript runs through tsx (no separate build step), the same code paths as `npm start`.

ARG NODE_IMAGE=node:20-bookworm-slim

# Only the npm manifests, so the `npm ci` layer is rebuilt only when dependencies change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out \
  && find . -name node_modules -prune -o -name package.json -print | xargs -I{} cp --parents {} /out/ \
  && cp package-lock.json .npmrc /out/

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /out/ ./
# All workspaces, dev dependencies included: tsx runs the TypeScript sources at run time.
RUN npm ci --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node_modules of the root and of any workspace, then the sources over the same manifests.
COPY --from=deps /app/ ./
COPY . .
RUN mkdir -p /app/.data && chown node:node /app/.data
ENV NODE_ENV=production
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
ENV PORT=3000 HOST=0.0.0.0
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]

FROM runtime AS agent
ENV AGENT_PORT=8081
EXPOSE 8081
CMD ["node", "--import", "tsx", "apps/agent/src/main.ts", "start"]
