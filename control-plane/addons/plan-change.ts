// Pure: whether an add-on may move to another plan (Heroku's addons:upgrade and :downgrade). Only
// within its service; the data it holds now (its database's size, which the storage limit is enforced
// on) must fit the new plan's storage.
import type { AddonPlan, AddonService } from '../../common/addons.js';
import { SlipwayError } from '../../common/errors.js';

export function planChangeRefusal(
  current: { service: string; plan: string; version?: string; stack?: string },
  target: { service: AddonService; plan: AddonPlan },
  storageBytes: number | null,
): SlipwayError | null {
  if (target.service.name !== current.service) {
    return new SlipwayError('invalid_params', `${current.plan} is a ${current.service} plan; ${target.plan.name} is not: a plan change stays within the service.`, { status: 422 });
  }
  // the server keeps its image (and its data directory's format): another version or stack is a new add-on
  if (target.plan.version !== current.version || target.plan.stack !== current.stack) {
    const server = (plan: { version?: string; stack?: string }) => `${plan.version !== undefined ? `version ${plan.version}` : "its stack's version"} on ${plan.stack ?? 'the default stack'}`;
    return new SlipwayError(
      'invalid_params',
      `${current.plan} runs ${server(current)}; ${target.plan.name} runs ${server(target.plan)}: a plan change keeps the server. Create a ${target.plan.name} add-on and move the data (pg:backups) instead.`,
      { status: 422 },
    );
  }
  if (storageBytes === null) return new SlipwayError('addon_unavailable', 'Could not measure the add-on’s data to check it fits the new plan: try again.', { status: 503, expose: true });
  const limit = target.plan.storageMb * 1024 * 1024;
  if (storageBytes > limit) {
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    return new SlipwayError('invalid_params', `The add-on holds ${mb(storageBytes)} MB of data; ${target.plan.name} holds ${target.plan.storageMb} MB. Delete data first, or choose a larger plan.`, { status: 422 });
  }
  return null;
}
