// What every Slipway machine on AWS gets (engine hosts, the control plane, routers): Docker
// Engine from Debian's packages, listening on its unix socket only; pull credentials for the
// stack's ECR registry, refreshed by a systemd timer from the instance's role; the instance's
// id and private address read from IMDSv2; and a systemd unit shape for the one platform
// container it runs.
import { ENGINE_SETTINGS } from '../../common/docker-engine-settings.js';
import { isRegistryHost, isTaggedImageReference } from '../../common/image-reference.js';
import { systemdCommandLine, systemdUnit, UserDataError, type CloudFile } from './cloud-init.js';

// pigz: Docker Engine unpacks pulled layers with its unpigz when there is one (and the builder
// gunzips package tarballs with it); libdeflate-tools: the builder compresses layers with it.
export const DOCKER_HOST_PACKAGES = ['docker.io', 'amazon-ecr-credential-helper', 'curl', 'ca-certificates', 'pigz', 'libdeflate-tools'] as const;

export const HOST_PATHS = {
  dockerDropIn: '/etc/systemd/system/docker.service.d/10-slipway-unix-socket-only.conf',
  daemonJson: '/etc/docker/daemon.json',
  tmpfiles: '/etc/tmpfiles.d/slipway.conf',
  /** Docker CLI config for pulling platform images (credential helper, no stored secret). */
  dockerConfigDir: '/etc/slipway/docker',
  registryHost: '/etc/slipway/registry-host',
  /** Docker credential-helper JSON ({"ServerURL","Username","Secret"}), refreshed every 6 h. */
  registryAuthDir: '/run/slipway/registry',
  registryAuthFile: '/run/slipway/registry/auth.json',
  /** Writes SLIPWAY_INSTANCE_ID and SLIPWAY_HOST_ADDRESS (IMDSv2) into instanceEnv. */
  instanceIdentityScript: '/usr/local/lib/slipway/instance-identity',
  instanceEnv: '/run/slipway/instance.env',
} as const;

export const REGISTRY_AUTH_SERVICE = 'slipway-registry-auth.service';
export const REGISTRY_AUTH_TIMER = 'slipway-registry-auth.timer';


export function checkRegistryHost(registry: string): string {
  if (!isRegistryHost(registry)) throw new UserDataError(`not a registry host: ${registry}`);
  return registry;
}

export function checkImageRef(image: string): string {
  if (!isTaggedImageReference(image)) throw new UserDataError(`not an image reference (registry/repository:tag): ${image}`);
  return image;
}

// Debian's unit passes $DOCKER_OPTS from /etc/default/docker: pinning ExecStart drops it, so
// nothing can add `-H tcp://...`. daemon.json must not set "hosts" (it would clash with -H).
const DOCKER_DROP_IN = systemdUnit({
  Service: [
    ['ExecStart', ''],
    ['ExecStart', systemdCommandLine(['/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'])],
  ],
});

export const DOCKER_DAEMON_CONFIG = {
  ...ENGINE_SETTINGS,
  'live-restore': true,
  'log-driver': 'local',
  'log-opts': { 'max-size': '20m', 'max-file': '5' },
  // Tenants' containers on the default bridge cannot reach one another directly.
  icc: false,
  'no-new-privileges': true,
} as const;

// Reads the instance id and private IPv4 address from IMDSv2 (a session token first, as
// `httpTokens: required` demands) for the platform container's env. Static text: nothing is
// interpolated into it. The two overrides exist for tests (a stand-in IMDS on 127.0.0.1);
// systemd sets neither.
export const INSTANCE_IDENTITY_SCRIPT = `#!/bin/sh
# Writes this instance's id and private IPv4 address, read from IMDSv2, as
# SLIPWAY_INSTANCE_ID and SLIPWAY_HOST_ADDRESS.
set -eu
imds=\${SLIPWAY_IMDS_URL:-http://169.254.169.254/latest}
out=\${SLIPWAY_INSTANCE_ENV:-${HOST_PATHS.instanceEnv}}
token=$(curl -fsS --retry 10 --retry-connrefused -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
address=$(curl -fsS --retry 10 --retry-connrefused -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-ipv4")
instance=$(curl -fsS --retry 10 --retry-connrefused -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/instance-id")
case "$address" in
  *[!0-9.]*|'') echo "unexpected local-ipv4 from IMDS: $address" >&2; exit 1 ;;
esac
case "$instance" in
  i-*[!0-9a-f]*|i-) echo "unexpected instance-id from IMDS: $instance" >&2; exit 1 ;;
  i-*) ;;
  *) echo "unexpected instance-id from IMDS: $instance" >&2; exit 1 ;;
esac
printf 'SLIPWAY_INSTANCE_ID=%s\\nSLIPWAY_HOST_ADDRESS=%s\\n' "$instance" "$address" > "$out.tmp"
mv "$out.tmp" "$out"
`;

const REGISTRY_AUTH_UNIT = systemdUnit({
  Unit: [
    ['Description', 'Refresh the ECR pull credentials of Slipway containers (from the instance role)'],
    ['Wants', 'network-online.target'],
    ['After', 'network-online.target'],
  ],
  Service: [
    ['Type', 'oneshot'],
    ['UMask', '0077'],
    ['Environment', 'HOME=/root'],
    ['Environment', 'AWS_ECR_DISABLE_CACHE=true'],
    // The helper reads the registry host on stdin and answers with credential JSON on stdout.
    ['ExecStart', systemdCommandLine(['/usr/bin/docker-credential-ecr-login', 'get'])],
    ['StandardInput', `file:${HOST_PATHS.registryHost}`],
    ['StandardOutput', `truncate:${HOST_PATHS.registryAuthFile}`],
    ['StandardError', 'journal'],
  ],
});

const REGISTRY_AUTH_TIMER_UNIT = systemdUnit({
  Unit: [['Description', 'Refresh ECR pull credentials every 6 hours (they last 12)']],
  Timer: [
    ['OnBootSec', '0'],
    ['OnUnitActiveSec', '6h'],
  ],
  Install: [['WantedBy', 'timers.target']],
});

/** Files every Slipway machine gets; `registry` is the ECR registry host. */
export function dockerHostFiles(registry: string): CloudFile[] {
  checkRegistryHost(registry);
  return [
    { path: HOST_PATHS.dockerDropIn, content: DOCKER_DROP_IN, permissions: '0644' },
    { path: HOST_PATHS.daemonJson, content: JSON.stringify(DOCKER_DAEMON_CONFIG, null, 2) + '\n', permissions: '0644' },
    {
      path: HOST_PATHS.tmpfiles,
      content: ['d /run/slipway 0755 root root -', `d ${HOST_PATHS.registryAuthDir} 0700 root root -`, ''].join('\n'),
      permissions: '0644',
    },
    {
      path: `${HOST_PATHS.dockerConfigDir}/config.json`,
      content: JSON.stringify({ credHelpers: { [registry]: 'ecr-login' } }, null, 2) + '\n',
      permissions: '0600',
    },
    // No trailing newline: the helper takes stdin verbatim as the server URL.
    { path: HOST_PATHS.registryHost, content: registry, permissions: '0644' },
    { path: HOST_PATHS.instanceIdentityScript, content: INSTANCE_IDENTITY_SCRIPT, permissions: '0755' },
    { path: `/etc/systemd/system/${REGISTRY_AUTH_SERVICE}`, content: REGISTRY_AUTH_UNIT, permissions: '0644' },
    { path: `/etc/systemd/system/${REGISTRY_AUTH_TIMER}`, content: REGISTRY_AUTH_TIMER_UNIT, permissions: '0644' },
  ];
}

/** First-boot commands that bring the Docker host up, before the role's own services start. */
export const DOCKER_HOST_COMMANDS: readonly (readonly string[])[] = [
  ['systemd-tmpfiles', '--create', HOST_PATHS.tmpfiles],
  ['systemctl', 'daemon-reload'],
  ['systemctl', 'restart', 'docker.service'],
  ['systemctl', 'enable', '--now', REGISTRY_AUTH_TIMER],
  ['systemctl', 'start', REGISTRY_AUTH_SERVICE],
];

export interface ContainerServiceSpec {
  /** Unit and container name, e.g. `slipway-agent`. */
  name: string;
  description: string;
  image: string;
  /** `docker run` options before the image (argv, each element checked). */
  runOptions: readonly string[];
  /** Extra units this one needs started first. */
  after?: readonly string[];
  /** Runs before the container, e.g. the instance-identity script. */
  execStartPre?: readonly (readonly string[])[];
}

/** A systemd unit that runs one platform container with `docker run` and restarts it. */
export function containerServiceUnit(spec: ContainerServiceSpec): string {
  checkImageRef(spec.image);
  const after = ['docker.service', 'network-online.target', REGISTRY_AUTH_SERVICE, ...(spec.after ?? [])];
  return systemdUnit({
    Unit: [
      ['Description', spec.description],
      ['Requires', 'docker.service'],
      ['Wants', ['network-online.target', REGISTRY_AUTH_SERVICE, ...(spec.after ?? [])].join(' ')],
      ['After', after.join(' ')],
    ],
    Service: [
      ['Environment', 'HOME=/root'],
      ['Environment', `DOCKER_CONFIG=${HOST_PATHS.dockerConfigDir}`],
      ...(spec.execStartPre ?? []).map((argv) => ['ExecStartPre', systemdCommandLine(argv)] as const),
      // A leftover container from a crash would block the name: remove it ('-' ignores failure).
      ['ExecStartPre', `-${systemdCommandLine(['/usr/bin/docker', 'rm', '--force', spec.name])}`],
      ['ExecStart', systemdCommandLine(['/usr/bin/docker', 'run', '--rm', '--name', spec.name, ...spec.runOptions, spec.image])],
      ['ExecStop', systemdCommandLine(['/usr/bin/docker', 'stop', '--time', '30', spec.name])],
      ['Restart', 'always'],
      ['RestartSec', '5'],
      ['TimeoutStartSec', '600'],
    ],
    Install: [['WantedBy', 'multi-user.target']],
  });
}

export interface PlatformContainerOptions {
  envFiles: readonly string[];
  /** Drop every capability (then add back only `capAdd`); off for a container that already
   *  holds the Docker socket and must own files it writes (root-equivalent either way). */
  dropCapabilities: boolean;
  capAdd?: readonly string[];
  volumes?: readonly string[];
}

/** `docker run` options shared by platform containers: host network, read-only root, env from files. */
export function platformContainerOptions(options: PlatformContainerOptions): string[] {
  return [
    '--network', 'host',
    '--read-only',
    '--tmpfs', '/tmp',
    ...(options.dropCapabilities ? ['--cap-drop', 'ALL'] : []),
    ...(options.capAdd ?? []).flatMap((capability) => ['--cap-add', capability]),
    '--security-opt', 'no-new-privileges',
    '--log-driver', 'local',
    '--label', 'slipway.platform=true',
    ...(options.volumes ?? []).flatMap((volume) => ['--volume', volume]),
    ...options.envFiles.flatMap((file) => ['--env-file', file]),
  ];
}
