# syntax=docker/dockerfile:1
# ura-chamados images (see docker-compose.yml and docs/topology.md). Two targets:
#   ura       (the default) `ura start`: the IVR (FastAGI) and the ticket API, with espeak-ng
#   whatsapp  `ura whatsapp`: the WhatsApp sender, driving Debian's Chromium
# Both run the compiled CLI (dist/cli/main.js) as the unprivileged user `node`. venom-bot and its
# browser stack (puppeteer, sharp) are optionalDependencies: only the whatsapp image keeps them.
# Node 24, the active LTS (to April 2028): Node 20 reached its end of life in April 2026. The test
# suite runs on Node 20.19+ outside containers too (package.json `engines`, docs/operations.md).

ARG NODE_IMAGE=node:24-bookworm-slim

# ── build: every dependency (TypeScript, venom-bot's types), then compile ──────────────────────
FROM ${NODE_IMAGE} AS build
# puppeteer (under venom-bot) must never download a browser: the whatsapp image uses Debian's.
ENV PUPPETEER_SKIP_DOWNLOAD=true \
    PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=true
# Compilers for native modules when no prebuilt binary fits (better-sqlite3; sleep is optional).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc .puppeteerrc.cjs tsconfig.json tsconfig.build.json ./
COPY src ./src
# The console's build script (Vite, vue-tsc), run by npm run build.
COPY scripts ./scripts
# npm ci runs the package's `prepare` script, `npm run build`: src/ → dist/ (and dist/console).
RUN npm ci

# ── the node_modules of each image: production dependencies only ───────────────────────────────
# The IVR/API image: without the optional ones, so no venom-bot, puppeteer, sharp or Chromium.
FROM build AS ura-modules
RUN npm prune --omit=dev --omit=optional

FROM build AS whatsapp-modules
RUN npm prune --omit=dev

# ── what both images share ──────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=true \
    PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=true \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/dist ./dist
# dist/ finds sql/ and sounds/ beside it (../../sql, ../../sounds from dist/<module>/).
COPY package.json .puppeteerrc.cjs ./
COPY sql ./sql
COPY sounds ./sounds
# `ura …` for `docker compose exec ura ura users add …`.
RUN printf '#!/bin/sh\nexec node /app/dist/cli/main.js "$@"\n' > /usr/local/bin/ura \
 && chmod 755 /usr/local/bin/ura \
 && mkdir -p /data \
 && chown -R node:node /data /app/sounds

# ── ura whatsapp: the sender service, with Debian's Chromium ───────────────────────────────────
FROM runtime AS whatsapp
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/*
COPY --from=whatsapp-modules /app/node_modules ./node_modules
ENV CHROMIUM_PATH=/usr/bin/chromium \
    WHATSAPP_SESSION_DIR=/session
RUN mkdir -p /session && chown node:node /session && chmod 700 /session
USER node
EXPOSE 8090
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["whatsapp"]

# ── ura start: IVR + ticket API (the last stage, so a plain `docker build .` gives this image) ───
FROM runtime AS ura
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*
COPY --from=ura-modules /app/node_modules ./node_modules
USER node
EXPOSE 4573 8080
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["start"]
