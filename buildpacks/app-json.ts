// What the build takes from the app's app.json (Heroku's app manifest): for now its health
// checks (Dokku's `healthchecks` key). A broken app.json fails the build before any buildpack
// runs, with the reason.
import { healthChecksFromAppJson, HealthCheckConfigError, type HealthCheck } from '../common/health-check.js';
import { readAppFile } from './app-files.js';
import { BuildError } from './errors.js';

export interface AppManifest {
  healthChecks: Record<string, HealthCheck>;
}

/** Pure: the manifest from app.json's text. */
export function parseAppJson(text: string): AppManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BuildError('app.json is not valid JSON.');
  }
  try {
    return { healthChecks: healthChecksFromAppJson(json) };
  } catch (err) {
    if (err instanceof HealthCheckConfigError) throw new BuildError(`${err.message}.`);
    throw err;
  }
}

export async function readAppManifest(appDir: string, rootFiles: ReadonlySet<string>): Promise<AppManifest> {
  if (!rootFiles.has('app.json')) return { healthChecks: {} };
  return parseAppJson((await readAppFile(appDir, 'app.json')).toString('utf8'));
}
