// The release phase as the Releaser runs it: a one-off `release.<version>` container of the
// release's image with the release's config, sized like the app's web process (Heroku's rule).
import { imageOf } from '../../common/release-images.js';
import { type App, DEFAULT_DYNO_SIZE, type Release } from '../../common/types.js';
import type { OneOffOutcome, OneOffRunner } from '../one-offs/runner.js';
import type { AppStore } from '../store/apps.js';
import type { ReleaseOutputStore } from '../store/release-output.js';
import { RELEASE_PROCESS_TYPE, type PhaseOutput } from './service.js';

export function releasePhaseRunner(oneOffs: OneOffRunner, apps: AppStore, outputs: ReleaseOutputStore, timeoutSeconds: number) {
  return async (app: App, release: Release, command: string, output: PhaseOutput): Promise<OneOffOutcome> => {
    const web = (await apps.formation(app.id)).find((entry) => entry.type === 'web');
    // Each line also goes to the release's own output (its output_stream_url), in order.
    let recorded = Promise.resolve();
    const tee = (line: string) => {
      output(line);
      recorded = recorded.then(() => outputs.append(app.id, release.version, line)).catch(() => {});
    };
    try {
      return await oneOffs.run(
        { app, dyno: `release.${release.version}`, image: imageOf(release, RELEASE_PROCESS_TYPE)!, command, env: release.config, size: web?.size ?? DEFAULT_DYNO_SIZE, timeoutSeconds },
        tee,
      );
    } finally {
      await recorded;
    }
  };
}
