# Homeroom container image.
#
#   docker build -t homeroom .
#   docker run -d --name homeroom -p 3000:3000 -v homeroom-data:/app/data \
#     -e HOMEROOM_ISSUER=https://my.district.example homeroom
#
# Homeroom runs its TypeScript through tsx (a runtime dependency), so there is no compile step: the image holds the
# production node_modules and the sources. The demo district is off in this image; pass -e HOMEROOM_DEMO=1 to try it
# (on an empty database), and see README.md for registering apps with `docker exec homeroom node bin/homeroom.js …`.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- dependencies: better-sqlite3 builds from source when its prebuilt binary cannot be downloaded ---------------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    HOMEROOM_DATA_DIR=/app/data \
    HOMEROOM_DEMO=0
# Chromium prints the letters to families (homeroom letters, the console's and My students' downloads); the Noto fonts
# cover every script the letters are written in (Arabic, Ethiopic, Han, Hangul …). print.chromiumPath names it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Application files belong to root and are read-only for the `node` user; only /app/data is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY views ./views
COPY public ./public
COPY config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# The SQLite database, and with it the generated server secrets and signing keys. Unused with DATABASE_URL.
VOLUME /app/data
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks for the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `start` applies migrations before listening and shuts down cleanly on SIGTERM (docker stop).
CMD ["node", "bin/homeroom.js", "start"]
