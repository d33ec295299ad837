// Where the router keeps HAProxy's files inside its state directory. Pure.
import { join } from 'node:path';

export interface StatePaths {
  config: string;
  hostsMap: string;
  pagesMap: string;
  crtList: string;
  certificatesDir: string;
  defaultCertificate: string;
  luaScript: string;
  adminSocket: string;
  masterSocket: string;
  prometheusSocket: string;
}

export function statePaths(stateDir: string): StatePaths {
  return {
    config: join(stateDir, 'haproxy.cfg'),
    hostsMap: join(stateDir, 'hosts.map'),
    pagesMap: join(stateDir, 'pages.map'),
    crtList: join(stateDir, 'certificates.list'),
    certificatesDir: join(stateDir, 'certificates'),
    defaultCertificate: join(stateDir, 'default.pem'),
    luaScript: join(stateDir, 'router.lua'),
    adminSocket: join(stateDir, 'admin.sock'),
    masterSocket: join(stateDir, 'master.sock'),
    prometheusSocket: join(stateDir, 'prometheus.sock'),
  };
}
