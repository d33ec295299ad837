import { describe, expect, it } from 'vitest';
import { activeMountsUnder, mountPoints, mountsUnder } from './mounts.js';

const MOUNTINFO = [
  '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '23 22 0:5 / /proc rw,nosuid shared:2 - proc proc rw',
  '99 22 0:44 / /w/stack/rootfs-abc/run/proc rw - proc proc rw',
  '100 22 0:45 / /w/stack/rootfs-abcdef/with\\040space rw - tmpfs tmpfs rw',
].join('\n');

describe('mounts', () => {
  it('reads mount points, decoding escapes', () => {
    expect(mountPoints(MOUNTINFO)).toEqual(['/', '/proc', '/w/stack/rootfs-abc/run/proc', '/w/stack/rootfs-abcdef/with space']);
  });

  it('finds mounts under a directory but not under a sibling sharing its prefix', () => {
    expect(mountsUnder(MOUNTINFO, '/w/stack/rootfs-abc')).toEqual(['/w/stack/rootfs-abc/run/proc']);
    expect(mountsUnder(MOUNTINFO, '/w/stack/rootfs-xyz')).toEqual([]);
  });

  it('reads this machine\'s mount table', async () => {
    expect(await activeMountsUnder('/proc')).toContain('/proc');
  });
});
