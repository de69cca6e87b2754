# Build stage: install with the lock file (compiles better-sqlite3 against this Node).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json drizzle.config.ts ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
# Compiled once here; the image runs JavaScript, without the TypeScript tool chain.
# The web console's assets and the hosted OpenAPI file it extends are read from src/console (the only
# part of src the image keeps).
RUN npm run build && npm prune --omit=dev && mv src/console /tmp/console && rm -rf src \
  && mkdir -p src/console && mv /tmp/console/assets /tmp/console/openapi src/console/ && rm -rf /tmp/console

# Run stage: the compiled server as a non-root user, data on a volume. The server is the container's
# main process, so `docker stop` (SIGTERM) reaches it: it drains, closes the database cleanly, exits 0.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AIO_DB=/data/aio.sqlite PORT=8080 MQTT_PORT=1883 HOST=0.0.0.0
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 8883 is MQTT over TLS, served when AIO_TLS_CERT and AIO_TLS_KEY name PEM files (mount them).
EXPOSE 8080 1883 8883
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
