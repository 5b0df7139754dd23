# One image for the api (default command), the worker (node dist/worker/main.js) and the migration
# step (node dist/server/migrate.js). `docker build -t stuckai .`
#
# Stages: `build` compiles TypeScript with every dependency; `deps` installs the production
# dependencies from the lockfile on their own. A clean `npm ci --omit=dev` rather than
# `npm ci && npm prune --omit=dev`: in a workspaces project prune can leave dev packages behind
# (npm/cli#8277), and the final stage would ship them.
FROM node:20-bookworm-slim AS base
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/

FROM base AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM base AS deps
# The workspace link node_modules/@stuckai/sdk points at ../../sdk, which the runtime image does not
# have (the server imports the generated code from dist/sdk).
RUN npm ci --omit=dev --no-audit --no-fund && rm -f node_modules/@stuckai/sdk && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 WORKER_HTTP_PORT=9090 DATA_DIR=/app/data
WORKDIR /app
# Code and dependencies stay owned by root, so the process cannot rewrite them; only DATA_DIR (the
# embedded SQLite file, when DATABASE_URL is unset) is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# "type": "module" for the compiled ESM in dist/.
COPY package.json ./
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The image's "node" user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080 9090
CMD ["node", "dist/server/main.js"]
