// Configurations of the benchmark's servers, as text built by pure functions.
import { VALID_REQUEST_ID } from '../../router/haproxy-config.js';
import { REQUEST_HOP_BY_HOP, RESPONSE_HOP_BY_HOP } from '../../router/hop-by-hop.js';

export interface NginxCommon {
  dir: string;
  workers: number;
}

/** The backend every case measures: a tiny response at /small and 1 MiB at /big. */
export function nginxBackendConfig(options: NginxCommon & { port: number; tlsPort: number; certificate: string }): string {
  return [
    ...nginxPrelude(options),
    '  server {',
    `    listen 127.0.0.1:${options.port} reuseport;`,
    `    listen 127.0.0.1:${options.tlsPort} ssl;`,
    `    ssl_certificate ${options.certificate};`,
    `    ssl_certificate_key ${options.certificate};`,
    `    root ${options.dir}/www;`,
    '    access_log off;',
    '    location = /small { default_type text/plain; return 200 "hello\\n"; }',
    '    location = /big { default_type application/octet-stream; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface NginxProxyOptions extends NginxCommon {
  port: number;
  tlsPort: number;
  certificate: string;
  backendPort: number;
  http2: boolean;
}

/** How both nginx proxies forward: HTTP/1.1 keep-alive to the upstream, Host kept. */
const PROXY_TO_UPSTREAM = ['      proxy_pass http://app;', '      proxy_http_version 1.1;', '      proxy_set_header Connection "";', '      proxy_set_header Host $host;'];

/** The HTTP and HTTPS listeners both nginx proxies share. */
function proxyListeners(options: NginxProxyOptions): string[] {
  return [
    `    listen 127.0.0.1:${options.port};`,
    `    listen 127.0.0.1:${options.tlsPort} ssl${options.http2 ? ' http2' : ''};`,
    `    ssl_certificate ${options.certificate};`,
    `    ssl_certificate_key ${options.certificate};`,
  ];
}

/** nginx as a reverse proxy with upstream keep-alive, HTTP and HTTPS, access log on (buffered). */
export function nginxProxyConfig(options: NginxProxyOptions): string {
  return [
    ...nginxPrelude(options),
    `  upstream app { server 127.0.0.1:${options.backendPort}; keepalive 64; }`,
    '  server {',
    ...proxyListeners(options),
    `    access_log ${options.dir}/access.log combined buffer=64k flush=1s;`,
    '    location / {',
    ...PROXY_TO_UPSTREAM,
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    '      proxy_buffering off;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * nginx doing the router's per-request work, with its one route fixed in the config: Host → app
 * lookup, X-Request-Id kept or made, X-Forwarded-*, Via both ways, hop-by-hop headers stripped,
 * least-connections upstream, an access log line with the router's fields (buffered to a file,
 * nginx's cheapest way). It tells apart what the router's features cost from what its engine costs.
 */
export function nginxRouterWorkConfig(options: NginxProxyOptions & { hostname: string }): string {
  const clearHeaders = REQUEST_HOP_BY_HOP.map((name) => `      proxy_set_header ${name} "";`);
  const hideHeaders = ['platform-error', ...RESPONSE_HOP_BY_HOP].map((name) => `      proxy_hide_header ${name};`);
  return [
    ...nginxPrelude(options),
    `  map $http_x_request_id $slipway_request_id { "~${VALID_REQUEST_ID}" $http_x_request_id; default $request_id; }`,
    `  map $host $slipway_app { ${options.hostname} bench; default ""; }`,
    "  log_format router '$slipway_app $upstream_addr $msec $status $body_bytes_sent $upstream_connect_time $upstream_header_time $request_time method=$request_method path=\"$request_uri\" host=$host request_id=$slipway_request_id fwd=\"$remote_addr\"';",
    `  upstream app { least_conn; server 127.0.0.1:${options.backendPort}; keepalive 64; }`,
    '  server {',
    ...proxyListeners(options),
    `    access_log ${options.dir}/access.log router buffer=64k flush=1s;`,
    '    location / {',
    '      if ($slipway_app = "") { return 404; }',
    ...PROXY_TO_UPSTREAM,
    '      proxy_set_header X-Request-Id $slipway_request_id;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    '      proxy_set_header X-Forwarded-Port $server_port;',
    '      proxy_set_header X-Forwarded-Host $host;',
    '      proxy_set_header Via "$server_protocol slipway";',
    ...clearHeaders,
    ...hideHeaders,
    '      add_header Via "1.1 slipway" always;',
    '      proxy_buffering off;',
    '      proxy_next_upstream error timeout;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

function nginxPrelude(options: NginxCommon): string[] {
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${options.workers};`,
    `pid ${options.dir}/nginx.pid;`,
    `error_log ${options.dir}/error.log warn;`,
    'events { worker_connections 4096; }',
    'http {',
    `  client_body_temp_path ${options.dir}/body;`,
    `  proxy_temp_path ${options.dir}/proxy;`,
    `  fastcgi_temp_path ${options.dir}/fastcgi;`,
    `  uwsgi_temp_path ${options.dir}/uwsgi;`,
    `  scgi_temp_path ${options.dir}/scgi;`,
    '  sendfile on;',
    '  tcp_nopush on;',
    '  keepalive_requests 1000000;',
  ];
}

/** HAProxy with the least configuration that proxies: the engine's own figure, no logs. */
export function plainHaproxyConfig(options: { threads: number; port: number; tlsPort: number; certificate: string; backendPort: number }): string {
  return [
    'global',
    `  nbthread ${options.threads}`,
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  http-reuse safe',
    'frontend public',
    `  bind 127.0.0.1:${options.port}`,
    `  bind 127.0.0.1:${options.tlsPort} ssl crt ${options.certificate}`,
    '  default_backend app',
    'backend app',
    `  server app 127.0.0.1:${options.backendPort}`,
    '',
  ].join('\n');
}

/** What every peer doing the router's work is told: where it listens, the one app's route, where it logs. */
export interface PeerOptions {
  dir: string;
  port: number;
  tlsPort: number;
  certificate: string;
  backendPort: number;
  hostname: string;
}

/**
 * Caddy (native JSON config) doing the router's per-request work: the Host's route, X-Request-Id
 * kept when valid or made, X-Forwarded-For/Proto/Host (Caddy's own) and -Port, Via both ways,
 * least-connections upstream, hop-by-hop headers dropped (Go's proxy does it), an access log line
 * per request to a file. JSON because the Caddyfile names the access logger after host:port, which
 * Caddy 2.6 then never matches against a Host header without a port.
 */
export function caddyConfig(options: PeerOptions): string {
  const server = (port: number) => ({
    listen: [`127.0.0.1:${port}`],
    protocols: ['h1', 'h2'],
    automatic_https: { disable: true },
    logs: { default_logger_name: 'access' },
    routes: [
      {
        match: [{ host: [options.hostname] }],
        terminal: true,
        handle: [
          {
            handler: 'subroute',
            routes: [
              {
                match: [{ not: [{ header_regexp: { 'X-Request-Id': { pattern: VALID_REQUEST_ID } } }] }],
                handle: [{ handler: 'headers', request: { set: { 'X-Request-Id': ['{http.request.uuid}'] } } }],
              },
              {
                handle: [
                  {
                    handler: 'reverse_proxy',
                    upstreams: [{ dial: `127.0.0.1:${options.backendPort}` }],
                    load_balancing: { selection_policy: { policy: 'least_conn' } },
                    headers: {
                      request: { set: { 'X-Forwarded-Port': [String(port)], Via: ['{http.request.proto} slipway'] } },
                      response: { set: { Via: ['1.1 slipway'] } },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  return JSON.stringify(
    {
      admin: { disabled: true, config: { persist: false } },
      logging: {
        logs: {
          default: { exclude: ['http.log.access.access'], level: 'ERROR' },
          access: { writer: { output: 'file', filename: `${options.dir}/access.log` }, include: ['http.log.access.access'] },
        },
      },
      apps: {
        http: {
          servers: {
            http: server(options.port),
            https: { ...server(options.tlsPort), tls_connection_policies: [{ certificate_selection: { any_tag: ['bench'] }, default_sni: options.hostname }] },
          },
        },
        tls: { certificates: { load_files: [{ certificate: options.certificate, key: options.certificate, tags: ['bench'] }] } },
      },
    },
    null,
    2,
  );
}

/** Traefik's static configuration (YAML, written as JSON, which YAML contains): entry points, file provider, access log. */
export function traefikStaticConfig(options: PeerOptions & { dynamicConfig: string }): string {
  return JSON.stringify(
    {
      global: { checkNewVersion: false, sendAnonymousUsage: false },
      entryPoints: { web: { address: `127.0.0.1:${options.port}` }, websecure: { address: `127.0.0.1:${options.tlsPort}` } },
      providers: { file: { filename: options.dynamicConfig, watch: false } },
      accessLog: { filePath: `${options.dir}/access.log` },
      log: { level: 'ERROR', filePath: `${options.dir}/traefik.log` },
    },
    null,
    2,
  );
}

/**
 * Traefik's dynamic configuration doing the router's work: a Host rule, a headers middleware (Via
 * both ways), X-Forwarded-For/Proto/Host/Port (Traefik's own), hop-by-hop headers dropped (Go's
 * proxy). Traefik has no way to make a request id without a plugin, so it only passes a client's on.
 */
export function traefikDynamicConfig(options: PeerOptions): string {
  const router = (entryPoint: string, tls: boolean) => ({
    rule: `Host(\`${options.hostname}\`)`,
    entryPoints: [entryPoint],
    middlewares: ['router-work'],
    service: 'app',
    ...(tls ? { tls: {} } : {}),
  });
  return JSON.stringify(
    {
      http: {
        routers: { 'bench-http': router('web', false), 'bench-https': router('websecure', true) },
        middlewares: { 'router-work': { headers: { customRequestHeaders: { Via: '1.1 slipway' }, customResponseHeaders: { Via: '1.1 slipway' } } } },
        services: { app: { loadBalancer: { passHostHeader: true, servers: [{ url: `http://127.0.0.1:${options.backendPort}` }] } } },
      },
      tls: { stores: { default: { defaultCertificate: { certFile: options.certificate, keyFile: options.certificate } } } },
    },
    null,
    2,
  );
}

/**
 * `kamal-proxy deploy`'s arguments for the one app: its host, TLS from the file, HTTP kept (no
 * redirect), X-Forwarded-* on. kamal-proxy picks a certificate by the TLS server name and wrk sends
 * the address it dials (127.0.0.1) as that name, so the app also holds that name.
 */
export function kamalProxyDeployArgs(options: Pick<PeerOptions, 'certificate' | 'backendPort' | 'hostname'> & { healthCheckPath: string }): string[] {
  return [
    'deploy',
    'bench',
    '--target',
    `127.0.0.1:${options.backendPort}`,
    '--host',
    `${options.hostname},127.0.0.1`,
    '--health-check-path',
    options.healthCheckPath,
    '--tls',
    '--tls-certificate-path',
    options.certificate,
    '--tls-private-key-path',
    options.certificate,
    '--tls-redirect=false',
    '--forward-headers',
  ];
}
