# One image for the worker, the HTTP service and the CLI: `docker run IMAGE <command>`
# (worker, serve, enqueue, bulk, status, results, retry, ...). Runs as the unprivileged user
# `node`; no secret is ever copied in: keys and tokens come from *_FILE at run time.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY worker worker
COPY producer producer
COPY cli cli
RUN npm run build && npm prune --omit=dev && npm cache clean --force

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/shared/schema shared/schema
COPY bin bin
USER node
# serve listens on PORT (3000); workers serve metrics on METRICS_PORT when set (9100 in compose).
EXPOSE 3000 9100
ENTRYPOINT ["node", "bin/ncp-cache-export"]
CMD ["worker"]

# The NCP gateway emulator, for the compose demo: runs from source (Node strips the types).
FROM node:24-slim AS emulator
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules node_modules
COPY shared shared
COPY test/emulator test/emulator
USER node
EXPOSE 8080
ENTRYPOINT ["node", "test/emulator/main.ts", "--host", "0.0.0.0", "--port", "8080"]
