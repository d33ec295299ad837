// Health checks per process type: what an instance must answer to take traffic and to keep it.
// Set in the app's app.json (Dokku's `healthchecks` key) or through the API; the agent runs
// them (agent/health.ts), first to gate an instance's boot, then every interval while it is up.
import { z } from 'zod';
import { processTypeProblem } from './names.js';

export const HEALTH_CHECK_LIMITS = {
  intervalSeconds: { min: 1, max: 300, default: 10 },
  timeoutSeconds: { min: 1, max: 60, default: 5 },
  attempts: { min: 1, max: 10, default: 3 },
} as const;

const bounded = (name: keyof typeof HEALTH_CHECK_LIMITS) => {
  const { min, max } = HEALTH_CHECK_LIMITS[name];
  return z.number().int().min(min).max(max);
};

export const healthCheck = z.object({
  /** The path GET asks for: absolute, no scheme or host. */
  path: z
    .string()
    .max(1024)
    .regex(/^\/[\x21-\x7e]*$/, 'must start with / and hold no spaces or control characters'),
  /** The status that counts as healthy; null: any 2xx or 3xx. */
  status: z.number().int().min(100).max(599).nullable().default(null),
  intervalSeconds: bounded('intervalSeconds').default(HEALTH_CHECK_LIMITS.intervalSeconds.default),
  timeoutSeconds: bounded('timeoutSeconds').default(HEALTH_CHECK_LIMITS.timeoutSeconds.default),
  /** Failures in a row that take a running instance out (and restart it). */
  attempts: bounded('attempts').default(HEALTH_CHECK_LIMITS.attempts.default),
});
export type HealthCheck = z.infer<typeof healthCheck>;

/** Pure: the check a process type runs under: the API's, else app.json's (the release's), else none. */
export function effectiveHealthCheck(type: string, fromApi: Record<string, HealthCheck>, fromRelease: Record<string, HealthCheck> | undefined): HealthCheck | null {
  return (Object.hasOwn(fromApi, type) ? fromApi[type] : undefined) ?? (fromRelease && Object.hasOwn(fromRelease, type) ? fromRelease[type] : undefined) ?? null;
}

/** Pure: whether an HTTP status passes the check. */
export function healthCheckPasses(check: Pick<HealthCheck, 'status'>, status: number): boolean {
  return check.status === null ? status >= 200 && status < 400 : status === check.status;
}

/** A bad app.json `healthchecks` entry: the message names the field, for the build's output. */
export class HealthCheckConfigError extends Error {
  override name = 'HealthCheckConfigError';
}

// Dokku's app.json shape: {"healthchecks": {"web": [{"type": "startup", "path": "/health",
// "attempts": 3, "timeout": 5, "wait": 5}]}}; Slipway also reads `status`. One check per
// process type: the first with a path (Slipway's check serves as startup and liveness check).
const dokkuCheck = z.object({
  type: z.enum(['startup', 'liveness', 'readiness']).optional(),
  path: z.string().optional(),
  status: z.number().int().optional(),
  attempts: z.number().int().optional(),
  timeout: z.number().int().optional(),
  wait: z.number().int().optional(),
});
const appJsonHealthChecks = z.record(z.string(), z.array(dokkuCheck));

/** Pure: the health checks an app.json declares, by process type ({} when it declares none). */
export function healthChecksFromAppJson(appJson: unknown): Record<string, HealthCheck> {
  if (appJson === null || typeof appJson !== 'object' || !('healthchecks' in appJson)) return {};
  const parsed = appJsonHealthChecks.safeParse((appJson as { healthchecks: unknown }).healthchecks);
  if (!parsed.success) throw new HealthCheckConfigError(`app.json healthchecks: ${describeIssues(parsed.error)}`);
  const checks: Record<string, HealthCheck> = {};
  for (const [type, entries] of Object.entries(parsed.data)) {
    const problem = processTypeProblem(type);
    if (problem) throw new HealthCheckConfigError(`app.json healthchecks: ${JSON.stringify(type)}: ${problem}`);
    const entry = entries.find((candidate) => candidate.path !== undefined);
    if (!entry) continue;
    const check = healthCheck.safeParse({
      path: entry.path,
      status: entry.status ?? null,
      ...(entry.wait === undefined ? {} : { intervalSeconds: entry.wait }),
      ...(entry.timeout === undefined ? {} : { timeoutSeconds: entry.timeout }),
      ...(entry.attempts === undefined ? {} : { attempts: entry.attempts }),
    });
    if (!check.success) throw new HealthCheckConfigError(`app.json healthchecks.${type}: ${describeIssues(check.error, { intervalSeconds: 'wait', timeoutSeconds: 'timeout' })}`);
    checks[type] = check.data;
  }
  return checks;
}

function describeIssues(error: z.ZodError, rename: Record<string, string> = {}): string {
  return error.issues.map((issue) => `${issue.path.map((p) => rename[String(p)] ?? String(p)).join('.') || '(value)'} ${issue.message}`).join('; ');
}
