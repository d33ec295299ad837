// Configurations of the benchmark's servers, as text built by pure functions.

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

/** nginx as a reverse proxy with upstream keep-alive, HTTP and HTTPS, access log on (buffered). */
export function nginxProxyConfig(options: NginxCommon & { port: number; tlsPort: number; certificate: string; backendPort: number; http2: boolean }): string {
  return [
    ...nginxPrelude(options),
    `  upstream app { server 127.0.0.1:${options.backendPort}; keepalive 64; }`,
    '  server {',
    `    listen 127.0.0.1:${options.port};`,
    `    listen 127.0.0.1:${options.tlsPort} ssl${options.http2 ? ' http2' : ''};`,
    `    ssl_certificate ${options.certificate};`,
    `    ssl_certificate_key ${options.certificate};`,
    `    access_log ${options.dir}/access.log combined buffer=64k flush=1s;`,
    '    location / {',
    '      proxy_pass http://app;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    '      proxy_buffering off;',
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
