# The bootwatch collector (REST + WebSocket ingest, dashboard at /) for docker-compose.yml.
# Stage 1 installs everything and builds the dashboard and the CLI; the last stage ships only
# those builds, the migrations and the runtime dependencies (no TypeScript loader, no sources).
# The `agent` stage is a build host: the same CLI with QEMU and the kernel build tools.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:dashboard && npm run build

# A build host for `bootwatch agent --collector URL` (docker-compose.yml's agent service): it
# needs only the collector's address and a submit token, never the database.
FROM node:20-bookworm-slim AS agent
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential flex bison bc libelf-dev libssl-dev cpio ccache xz-utils rsync kmod \
      qemu-system-x86 qemu-utils busybox-static linux-source-6.1 ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production BOOTWATCH_CACHE=/cache
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/bin/bootwatch ./bin/bootwatch
COPY --from=build /app/dist ./dist
RUN mkdir -p /cache && chown node:node /cache
USER node
CMD ["bin/bootwatch", "agent"]

# The collector (the default target).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 BOOTWATCH_DATA=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/bin/bootwatch ./bin/bootwatch
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/collector/analysis/kcidb-schema.v5.3.json ./collector/analysis/
COPY --from=build /app/dashboard/dist ./dashboard/dist
# The embedded database lives here when DATABASE_URL is not set.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["bin/bootwatch", "serve"]
