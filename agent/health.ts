// Health checks as the agent runs them: one GET of the check's path on the instance's published
// port, judged by the check's status rule. A boot waits for a pass; an up instance is checked
// every interval and taken out after `attempts` failures in a row (instances.ts).
import { request } from 'undici';
import { healthCheckPasses, type HealthCheck } from '../common/health-check.js';
import { probeUrl } from './boot-probe.js';

export interface HealthResult {
  healthy: boolean;
  /** What was seen, for the instance's reason: "GET /health answered 500". */
  detail: string;
}

export type HealthProbe = (address: string, port: number, check: HealthCheck) => Promise<HealthResult>;

/** One GET of the check's path on a fresh connection, bounded by the check's timeout. */
export async function httpHealth(address: string, port: number, check: HealthCheck): Promise<HealthResult> {
  const url = new URL(check.path, probeUrl(address, port)).toString();
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { 'user-agent': 'slipway-agent health check' },
      signal: AbortSignal.timeout(check.timeoutSeconds * 1000),
      reset: true,
    });
    await response.body.dump();
    return { healthy: healthCheckPasses(check, response.statusCode), detail: `GET ${check.path} answered ${response.statusCode}` };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { healthy: false, detail: timedOut ? `GET ${check.path}: no answer within ${check.timeoutSeconds} s` : `GET ${check.path}: no connection` };
  }
}
