# The bootwatch collector (REST + WebSocket ingest, dashboard at /) for docker-compose.yml.
# Stage 1 installs everything and builds the dashboard; stage 2 keeps runtime dependencies only.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:dashboard

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 BOOTWATCH_DATA=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/bin ./bin
COPY --from=build /app/common ./common
COPY --from=build /app/collector ./collector
COPY --from=build /app/runners ./runners
COPY --from=build /app/bench ./bench
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/dashboard/dist ./dashboard/dist
# The embedded database lives here when DATABASE_URL is not set.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["bin/bootwatch", "serve"]
