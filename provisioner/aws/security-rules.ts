// The network posture as data (a pure function): which security group admits what from
// whom. Only the load balancer faces the internet, on 80 and 443. Everything else admits
// traffic from named groups (or, for the VPC endpoints, the VPC's own block). The Docker
// Engine API is never reachable over TCP: no rule names 2375 or 2376, and no ingress rule
// spans them.
import { NATS_PORT, REDIS_PORT, WAKE_PORT } from './endpoints.js';

export type GroupName = 'loadBalancer' | 'router' | 'controlPlane' | 'engine' | 'redis' | 'endpoints';

export type Peer = { cidr: string } | { group: GroupName };

export interface RuleSpec {
  group: GroupName;
  direction: 'ingress' | 'egress';
  protocol: 'tcp' | 'udp';
  fromPort: number;
  toPort: number;
  peer: Peer;
  description: string;
}

export interface PostureInput {
  vpcCidr: string;
  routerHttpPort: number;
  routerHttpsPort: number;
  apiPort: number;
  appPorts: { from: number; to: number };
  managedRedis: boolean;
}

export const ANYWHERE = '0.0.0.0/0';
export const DOCKER_API_PORTS = [2375, 2376] as const;

export const GROUP_DESCRIPTIONS: Record<GroupName, string> = {
  loadBalancer: 'Slipway routers load balancer: HTTP and HTTPS from the internet',
  router: 'Slipway routers: traffic from the load balancer only',
  controlPlane: 'Slipway control plane: NATS, Redis and the API from platform hosts only',
  engine: 'Slipway engine hosts: app ports from the routers only',
  redis: 'Slipway managed Redis: from the control plane and routers only',
  endpoints: 'Slipway VPC endpoints (ECR, S3): HTTPS from inside the VPC',
};

function tcp(group: GroupName, direction: RuleSpec['direction'], port: number | [number, number], peer: Peer, description: string): RuleSpec {
  const [fromPort, toPort] = typeof port === 'number' ? [port, port] : port;
  return { group, direction, protocol: 'tcp', fromPort, toPort, peer, description };
}

export function securityRules(input: PostureInput): RuleSpec[] {
  const redisGroup: GroupName = input.managedRedis ? 'redis' : 'controlPlane';
  const appPorts: [number, number] = [input.appPorts.from, input.appPorts.to];
  const rules: RuleSpec[] = [
    tcp('loadBalancer', 'ingress', 80, { cidr: ANYWHERE }, 'HTTP from the internet'),
    tcp('loadBalancer', 'ingress', 443, { cidr: ANYWHERE }, 'HTTPS from the internet'),
    tcp('loadBalancer', 'egress', input.routerHttpPort, { group: 'router' }, 'HTTP to the routers (and health checks)'),
    tcp('loadBalancer', 'egress', input.routerHttpsPort, { group: 'router' }, 'HTTPS to the routers'),

    tcp('router', 'ingress', input.routerHttpPort, { group: 'loadBalancer' }, 'HTTP from the load balancer'),
    tcp('router', 'ingress', input.routerHttpsPort, { group: 'loadBalancer' }, 'HTTPS from the load balancer'),
    tcp('router', 'egress', appPorts, { group: 'engine' }, 'app instances on engine hosts'),
    tcp('router', 'egress', NATS_PORT, { group: 'controlPlane' }, 'NATS (route updates)'),
    tcp('router', 'egress', REDIS_PORT, { group: redisGroup }, 'Redis (route table)'),
    tcp('router', 'egress', input.apiPort, { group: 'controlPlane' }, 'the Platform API behind api.<domain>'),
    tcp('router', 'egress', WAKE_PORT, { group: 'controlPlane' }, 'the waker (sleeping apps’ requests)'),
    tcp('router', 'egress', 80, { cidr: ANYWHERE }, 'Debian packages (through NAT)'),
    tcp('router', 'egress', 443, { cidr: ANYWHERE }, 'ECR and AWS APIs (through NAT or endpoints)'),

    tcp('controlPlane', 'ingress', NATS_PORT, { group: 'engine' }, 'NATS from agents'),
    tcp('controlPlane', 'ingress', NATS_PORT, { group: 'router' }, 'NATS from routers'),
    tcp('controlPlane', 'ingress', input.apiPort, { group: 'router' }, 'Platform API from routers'),
    tcp('controlPlane', 'ingress', WAKE_PORT, { group: 'router' }, 'the waker, from routers'),
    tcp('controlPlane', 'egress', appPorts, { group: 'engine' }, 'a woken app’s first requests, passed on by the waker'),
    tcp('controlPlane', 'egress', 80, { cidr: ANYWHERE }, 'Debian packages, buildpack downloads'),
    tcp('controlPlane', 'egress', 443, { cidr: ANYWHERE }, 'ECR, package registries for builds, AWS APIs'),

    tcp('engine', 'ingress', appPorts, { group: 'router' }, 'app instances from routers'),
    tcp('engine', 'ingress', appPorts, { group: 'controlPlane' }, 'app instances from the waker'),
    tcp('engine', 'egress', NATS_PORT, { group: 'controlPlane' }, 'NATS (agent)'),
    // Apps reach the internet as on Heroku (databases, APIs, mail): all outbound traffic.
    tcp('engine', 'egress', [0, 65535], { cidr: ANYWHERE }, 'outbound TCP of apps, ECR, Debian packages'),
    { group: 'engine', direction: 'egress', protocol: 'udp', fromPort: 0, toPort: 65535, peer: { cidr: ANYWHERE }, description: 'outbound UDP of apps' },

    tcp('endpoints', 'ingress', 443, { cidr: input.vpcCidr }, 'HTTPS from inside the VPC'),
  ];
  if (input.managedRedis) {
    rules.push(
      tcp('redis', 'ingress', REDIS_PORT, { group: 'controlPlane' }, 'Redis from the control plane'),
      tcp('redis', 'ingress', REDIS_PORT, { group: 'router' }, 'Redis from routers'),
      tcp('controlPlane', 'egress', REDIS_PORT, { group: 'redis' }, 'managed Redis'),
    );
  } else {
    rules.push(tcp('controlPlane', 'ingress', REDIS_PORT, { group: 'router' }, 'Redis from routers'));
  }
  return rules;
}

/** Whether a rule's port range includes `port` (for posture checks). */
export function coversPort(rule: Pick<RuleSpec, 'fromPort' | 'toPort'>, port: number): boolean {
  return rule.fromPort <= port && port <= rule.toPort;
}

/** The groups the posture needs (the Redis group only with ElastiCache). */
export function groupNames(input: Pick<PostureInput, 'managedRedis'>): GroupName[] {
  const names: GroupName[] = ['loadBalancer', 'router', 'controlPlane', 'engine', 'endpoints'];
  return input.managedRedis ? [...names, 'redis'] : names;
}
