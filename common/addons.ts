// The add-on catalogue (Heroku's add-on services and plans) and how each service's server runs:
// pure data shared by the control plane (plans, config var names) and the agent (the command,
// the port, the data directory). Servers come from the stack's Debian packages
// (buildpacks/addons/images.ts), never from a public registry.

export type AddonServiceName = 'postgresql' | 'redis';

export interface AddonPlan {
  /** 'postgresql:mini' */
  name: string;
  /** 'mini' */
  short: string;
  description: string;
  memoryMb: number;
  cpus: number;
  /** Heroku's price label (cents per month); Slipway bills nothing itself. */
  priceCents: number;
  default: boolean;
  /** PostgreSQL's max_connections, Redis's maxclients */
  maxConnections: number;
  /** the data the plan holds: PostgreSQL's database size is held against it (write access revoked
   *  over it: control-plane/addons/storage-enforcement.ts); Redis's volume is measured against it */
  storageMb: number;
  /** how many backups are kept (pg:backups) */
  backupRetention: number;
  /** Redis's maxmemory (MB); null: three quarters of the memory */
  maxMemoryMb: number | null;
  /** PostgreSQL's major version ('15'): Debian's postgresql-<version> instead of the
   *  metapackage (the stack's default version). Absent: the stack's default. */
  version?: string;
  /** The stack (Debian release) the server's image is built on; absent: the operator's default. */
  stack?: string;
}

export interface AddonService {
  name: AddonServiceName;
  /** Heroku's human name */
  /** shown after the platform's (brand's) name: `Acme Cloud Postgres` */
  humanName: string;
  /** The config var the first (default) attachment sets: DATABASE_URL, REDIS_URL. */
  configVar: string;
  /** Prefix of extra attachments' names: HEROKU_POSTGRESQL → HEROKU_POSTGRESQL_AMBER(_URL). */
  attachmentPrefix: string;
  /** The Debian packages of the server (installed over the stack's run image). */
  packages: string[];
  /** The server's usual port; an add-on's own is chosen on its host (ADDON_PORT). */
  port: number;
  plans: AddonPlan[];
}

/** Where an add-on's persistent volume is mounted: the stack user's home (owned by 1000:1000 in
 *  the image, so a new volume starts out owned by the non-root user the server runs as). */
export const ADDON_DATA_DIR = '/app';

/** A PostgreSQL add-on's superuser: the platform's, signed in only by peer authentication over
 *  the server container's own socket (so only what runs in that container, the agent's execs). */
export const ADDON_ADMIN_ROLE = 'slipway_admin';

const plan = (service: string, short: string, description: string, memoryMb: number, cpus: number, priceCents: number, limits: { maxConnections: number; storageMb: number; backupRetention: number }, isDefault = false): AddonPlan => ({
  name: `${service}:${short}`,
  short,
  description,
  memoryMb,
  cpus,
  priceCents,
  default: isDefault,
  ...limits,
  maxMemoryMb: null,
});

export const ADDON_SERVICES: readonly AddonService[] = [
  {
    name: 'postgresql',
    humanName: 'Postgres',
    configVar: 'DATABASE_URL',
    attachmentPrefix: 'HEROKU_POSTGRESQL',
    packages: ['postgresql'],
    port: 5432,
    plans: [
      plan('postgresql', 'mini', 'PostgreSQL, 256 MB of memory, a quarter of a CPU', 256, 0.25, 500, { maxConnections: 20, storageMb: 1024, backupRetention: 2 }, true),
      plan('postgresql', 'standard', 'PostgreSQL, 1 GB of memory, one CPU', 1024, 1, 5000, { maxConnections: 120, storageMb: 10240, backupRetention: 7 }),
    ],
  },
  {
    name: 'redis',
    humanName: 'Key-Value Store',
    configVar: 'REDIS_URL',
    attachmentPrefix: 'HEROKU_REDIS',
    packages: ['redis-server'],
    port: 6379,
    plans: [
      plan('redis', 'mini', 'Redis, 64 MB of memory, append-only persistence', 64, 0.25, 300, { maxConnections: 20, storageMb: 256, backupRetention: 2 }, true),
      plan('redis', 'premium', 'Redis, 512 MB of memory, append-only persistence', 512, 0.5, 1500, { maxConnections: 200, storageMb: 2048, backupRetention: 7 }),
    ],
  },
];

/** A service the platform runs itself (not a registered partner's). */
export function isBuiltinService(name: string): name is AddonServiceName {
  return ADDON_SERVICES.some((service) => service.name === name);
}

/** Heroku's aliases for the services' names. */
const SERVICE_ALIASES: Record<string, AddonServiceName> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  'heroku-postgresql': 'postgresql',
  redis: 'redis',
  'heroku-redis': 'redis',
};

/** `services`: the provider's catalogue (its plans file), the built-in one when not given. */
export function addonService(name: string, services: readonly AddonService[] = ADDON_SERVICES): AddonService | null {
  const canonical = SERVICE_ALIASES[name.toLowerCase()];
  return services.find((service) => service.name === canonical) ?? null;
}

/** `postgresql:mini`, `heroku-postgresql` (the default plan), `redis:premium` → the plan, or why not. */
export function resolvePlan(spec: string, services: readonly AddonService[] = ADDON_SERVICES): { service: AddonService; plan: AddonPlan } | { error: string } {
  const [serviceName = '', planName, ...rest] = spec.trim().split(':');
  const service = addonService(serviceName, services);
  const offered = services.map((s) => s.name).join(', ');
  if (!service || rest.length > 0) return { error: `Unknown add-on service ${JSON.stringify(serviceName)}: Slipway offers ${offered}.` };
  const plan = planName === undefined || planName === '' ? service.plans.find((p) => p.default) : service.plans.find((p) => p.short === planName.toLowerCase());
  if (!plan) return { error: `${service.name} has no plan ${JSON.stringify(planName)}: its plans are ${service.plans.map((p) => p.short).join(', ')}.` };
  return { service, plan };
}

/** Pure: the Debian packages of a plan's server: the service's, or for a PostgreSQL plan that
 *  names its major version, that version's server and client (`postgresql-15`, `postgresql-client-15`). */
export function addonPlanPackages(service: Pick<AddonService, 'name' | 'packages'>, plan: Pick<AddonPlan, 'version'>): string[] {
  if (service.name === 'postgresql' && plan.version !== undefined) return [`postgresql-${plan.version}`, `postgresql-client-${plan.version}`];
  return [...service.packages];
}

/** Pure: the stack a plan's server image is built on: the plan's, else the platform's default. */
export function addonPlanStack(plan: Pick<AddonPlan, 'stack'>, defaultStack: string): string {
  return plan.stack ?? defaultStack;
}

/** Heroku's colours for extra attachments' names. */
export const ATTACHMENT_COLORS = ['AMBER', 'BLACK', 'BLUE', 'BRONZE', 'COBALT', 'CRIMSON', 'GOLD', 'GRAY', 'GREEN', 'JADE', 'MAROON', 'NAVY', 'OLIVE', 'ONYX', 'ORANGE', 'PINK', 'PURPLE', 'RED', 'SILVER', 'TEAL', 'WHITE', 'YELLOW'];

/** The attachment name an app gets for an add-on: the service's var stem when free, else the first free colour. */
export function attachmentName(service: AddonService, taken: ReadonlySet<string>): string {
  const primary = service.configVar.replace(/_URL$/, '');
  if (!taken.has(primary)) return primary;
  const color = ATTACHMENT_COLORS.find((c) => !taken.has(`${service.attachmentPrefix}_${c}`));
  if (!color) throw new Error(`no free attachment name for ${service.name}`);
  return `${service.attachmentPrefix}_${color}`;
}

/** Where a Redis add-on's verified backup is put for its server's next start to load (its
 *  presence is the commitment: the start script makes it the new AOF). */
export const REDIS_RESTORE_FILE = `${ADDON_DATA_DIR}/slipway-restore.rdb`;
/** Redis's AOF directory (appenddirname) in the data directory. */
const REDIS_AOF_DIR = `${ADDON_DATA_DIR}/appendonlydir`;

/** The server's command, as argv with the secrets only in the environment (never in argv, which
 *  `ps` shows): a fixed script per service. */
export function addonServerArgv(service: AddonServiceName): string[] {
  if (service === 'postgresql') {
    const script = [
      'set -e',
      'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)',
      `data=${ADDON_DATA_DIR}/pgdata`,
      'if [ ! -s "$data/PG_VERSION" ]; then',
      // The bootstrap superuser is the platform's (ADDON_ADMIN_ROLE), reached only over the
      // container's own socket by peer authentication (the agent's execs); the app's user is an
      // ordinary role owning its database, so it cannot lift the storage limit's enforcement.
      `  "$bin/initdb" -D "$data" -U ${ADDON_ADMIN_ROLE} --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null`,
      `  printf "local all ${ADDON_ADMIN_ROLE} peer map=platform\\nlocal all all scram-sha-256\\nhost all all 0.0.0.0/0 scram-sha-256\\nhost all all ::/0 scram-sha-256\\n" > "$data/pg_hba.conf"`,
      `  printf "platform %s ${ADDON_ADMIN_ROLE}\\n" "$(id -un)" >> "$data/pg_ident.conf"`,
      // the password reaches the single-user server on stdin (a here-document), quoted for SQL
      '  quoted=$(printf "%s" "$ADDON_PASSWORD" | sed "s/\'/\'\'/g")',
      '  "$bin/postgres" --single -D "$data" postgres <<SQL >/dev/null',
      'CREATE ROLE "$ADDON_USER" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD \'$quoted\';',
      'CREATE DATABASE "$ADDON_DATABASE" OWNER "$ADDON_USER";',
      'SQL',
      '  unset quoted',
      'fi',
      'unset ADDON_PASSWORD',
      'exec "$bin/postgres" -D "$data" -p "$ADDON_PORT" -c listen_addresses="*" -c unix_socket_directories=/tmp -c max_connections="${ADDON_MAX_CONNECTIONS:-20}"',
    ].join('\n');
    return ['/bin/sh', '-c', script, 'addon-postgresql'];
  }
  const dir = REDIS_AOF_DIR;
  const script = [
    'set -e',
    'conf=/tmp/redis.conf',
    'umask 077',
    // A committed restore (agent/addon-backups.ts) becomes the base of a new AOF: with appendonly
    // on, Redis 7.0 loads only the AOF and, when there is none, starts empty (dump.rdb ignored).
    // The restore file is moved last, so a start cut short here does it all again.
    `if [ -f ${REDIS_RESTORE_FILE} ]; then`,
    `  rm -rf ${dir} ${ADDON_DATA_DIR}/dump.rdb`,
    `  mkdir ${dir}`,
    `  printf 'file appendonly.aof.1.base.rdb seq 1 type b\\n' > ${dir}/appendonly.aof.manifest`,
    `  mv ${REDIS_RESTORE_FILE} ${dir}/appendonly.aof.1.base.rdb`,
    'fi',
    'printf "port %s\\nbind 0.0.0.0\\nprotected-mode no\\ndir %s\\nappendonly yes\\nappendfilename appendonly.aof\\nappenddirname appendonlydir\\nrepl-diskless-sync-delay 0\\nmaxmemory %s\\nmaxclients %s\\nrequirepass %s\\n" "$ADDON_PORT" "$ADDON_DATA_DIR" "$ADDON_MAXMEMORY" "${ADDON_MAX_CONNECTIONS:-10000}" "$ADDON_PASSWORD" > "$conf"',
    'unset ADDON_PASSWORD',
    'exec redis-server "$conf"',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'addon-redis'];
}
