// Add-on images' pure parts: a plan's version names other packages, so another image; apt's
// refusal of a package the stack's release lacks is found in its output and told as the plan's.
// (Built for real: agent/addons.test.ts, control-plane/addons/addon-versions.test.ts.)
import { describe, expect, it } from 'vitest';
import { addonPlanPackages, addonService } from '../../common/addons.js';
import { unavailablePackages } from '../stack/packages.js';
import { addonImageKey, addonUnavailableMessage } from './images.js';

describe('add-on images per plan', () => {
  const postgresql = addonService('postgresql')!;
  const redis = addonService('redis')!;

  it('keys the image by stack and packages: a plan’s version or another stack gives another image', () => {
    const bookworm = { id: 'stack-a' };
    const plain = addonImageKey(bookworm, postgresql);
    const v15 = addonImageKey(bookworm, { name: 'postgresql', packages: addonPlanPackages(postgresql, { version: '15' }) });
    expect(v15).not.toBe(plain);
    expect(addonImageKey(bookworm, { name: 'postgresql', packages: addonPlanPackages(postgresql, { version: '16' }) })).not.toBe(v15);
    expect(addonImageKey({ id: 'stack-b' }, { name: 'postgresql', packages: addonPlanPackages(postgresql, { version: '15' }) })).not.toBe(v15);
    // a plan without a version keeps the service's image (the images already built stay in use)
    expect(addonImageKey(bookworm, { name: 'postgresql', packages: addonPlanPackages(postgresql, {}) })).toBe(plain);
  });

  it('finds the packages apt could not install in its output', () => {
    expect(unavailablePackages(['Reading package lists...', 'E: Unable to locate package postgresql-17', 'E: Unable to locate package postgresql-client-17'])).toEqual(['postgresql-17', 'postgresql-client-17']);
    expect(unavailablePackages(["E: Package 'postgresql-9' has no installation candidate"])).toEqual(['postgresql-9']);
    // another failure (the network, a broken package) is not a missing package
    expect(unavailablePackages(['E: Failed to fetch http://deb.debian.org/debian/pool/main/p/x.deb  Connection timed out', 'E: Sub-process /usr/bin/dpkg returned an error code (1)'])).toEqual([]);
  });

  it('tells the user which plan asks for what the stack lacks', () => {
    expect(addonUnavailableMessage(postgresql, { name: 'postgresql:pg17', version: '17' }, 'bookworm', ['postgresql-17', 'postgresql-client-17'])).toBe(
      'postgresql:pg17 asks for PostgreSQL 17, which the bookworm stack does not offer.',
    );
    expect(addonUnavailableMessage(redis, { name: 'redis:mini' }, 'trixie', ['redis-server'])).toBe('redis:mini needs redis-server, which the trixie stack does not offer.');
  });
});
