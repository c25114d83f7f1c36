/**
 * What a distro's init says on a kernel built for busybox: the lines of a real boot of the
 * seed ladder's 08-ext4-root kernel into Debian 12 with sysvinit (no udev), and the options
 * the diagnosis names for them.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';

const BOOT = `[    1.753801] VFS: Mounted root (ext4 filesystem) on device 8:0.
[    1.802414] Run /sbin/init as init process
INIT: version 3.06 booting
Using makefile-style concurrent boot in runlevel S.
findfs: unable to resolve 'LABEL=bootwatch-root'
[    5.922444] tmpfs: Unknown parameter 'size'
mount: /run: wrong fs type, bad option, bad superblock on tmpfs, missing codepage or helper program, or other error.
       dmesg(1) may have more information after failed mount system call.
mount: /: can't find LABEL=bootwatch-root.
INIT: Entering runlevel: 2
Starting OpenBSD Secure Shell server: sshd.
`;

describe("Debian's initscripts on a busybox kernel", () => {
  it('tmpfs refusing its options asks for TMPFS; a label no /dev node carries, for DEVTMPFS_MOUNT', () => {
    const r = parseLog(Buffer.from(BOOT), { context: { initIsScript: false } });
    expect(r.outcome).toBe('booted');
    expect(r.diagnosis.map((d) => [d.option, d.line])).toEqual([
      ['CONFIG_TMPFS', 7],
      ['CONFIG_DEVTMPFS_MOUNT', 5],
      ['CONFIG_DEVTMPFS', 5],
    ]);
  });
});
