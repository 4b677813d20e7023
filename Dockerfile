# syntax=docker/dockerfile:1
# oncall-im: build the TypeScript once, ship only the compiled service, its card templates and production
# dependencies, and run it as the unprivileged `node` user.
#
#   docker build -t oncall-im .
#   docker run -p 8080:8080 -v oncall-data:/var/lib/oncall-im oncall-im      # embedded SQLite, no Redis
#
# See docker-compose.yml for MariaDB + Redis.

ARG NODE_IMAGE=node:20-bookworm-slim

# better-sqlite3 downloads a prebuilt binary when one matches, and compiles otherwise: keep the toolchain at hand.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# npm's `prepare` runs it at every `npm ci`; with no sources in the stage yet it builds nothing (see `npm run build`).
COPY src/cli/build-once.mjs ./src/cli/

# Every dependency (TypeScript included) to compile src/ and migrations/ to dist/.
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# Production dependencies only.
FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/var/lib/oncall-im
WORKDIR /app
# package.json and cards/ mark the project root the service finds its card templates from.
COPY package.json ./
COPY cards ./cards
COPY app-manifests ./app-manifests
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/oncall-im && chown node:node /var/lib/oncall-im
USER node
VOLUME ["/var/lib/oncall-im"]
EXPOSE 8080
# /healthz answers while the process is up (readiness, /readyz, also checks the database and Redis).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1: the service handles SIGTERM (graceful stop within 15 s).
CMD ["node", "dist/src/main.js"]
