/**
 * The Debian root disk's pieces without the download: which archive debootstrap uses (apt's
 * own sources, deb822 and one-line), the matrix's `boot.disk.debootstrap` with its defaults
 * and mistakes, and the set-up a serial-only guest needs, made from Debian's own files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mirrorFromAptSources, resolveDebootstrap } from '../../runners/images/debootstrap.ts';
import { DEBOOTSTRAP_ROOT_LABEL, rootSetup } from '../../runners/images/debootstrap-disk.ts';
import { loadMatrix, parseMatrix } from '../../runners/matrix/load.ts';
import { kernelCmdline } from '../../runners/qemu/args.ts';

/** Debian 12's own /etc/apt/sources.list.d/debian.sources, as a cloud image ships it. */
const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe("debootstrap's archive", () => {
  it("is apt's: the deb822 stanza serving the suite, else a one-line deb entry", () => {
    expect(mirrorFromAptSources([DEB822], 'bookworm')).toBe('http://deb.debian.org/debian');
    expect(mirrorFromAptSources([DEB822], 'bookworm-security')).toBe('http://deb.debian.org/debian-security');
    const list =
      '# deb-src http://x/debian bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib\n';
    expect(mirrorFromAptSources([list], 'bookworm')).toBe('http://mirror.example/debian');
    expect(
      mirrorFromAptSources(['Types: deb-src\nURIs: http://src/\nSuites: bookworm\n'], 'bookworm'),
    ).toBeNull();
    expect(mirrorFromAptSources([DEB822], 'daedalus')).toBeNull();
  });
});

const ladderWith = (disk: string, arch = '') =>
  `source: {dir: .}\n${arch}variants:\n  - name: d\n    boot:\n      disk:\n        bus: virtio\n${disk}`;

describe('boot.disk.debootstrap in a matrix', () => {
  it('the seed ladder tops out on Debian with sysvinit: its own /sbin/init, root on ext4 by label', () => {
    const m = loadMatrix('examples/seed-ladder.yaml');
    const deb = m.variants.find((v) => v.name === '09-debian')!;
    expect(deb.boot.disk).toMatchObject({ bus: 'ahci', root: true, init: null, sizeMb: 1024 });
    expect(deb.boot.disk?.debootstrap).toMatchObject({
      suite: 'bookworm',
      variant: 'minbase',
      include: expect.arrayContaining(['sysvinit-core', 'openssh-server']),
      exclude: ['systemd-sysv'],
    });
    expect(deb.boot.initramfs).toBeNull();
    expect(deb.boot.markers).toEqual(['login:']);
    expect(deb.fragments.at(-1)?.name).toBe('09-debian.config');
    // The kernel runs /sbin/init from the disk, not the busybox rungs' /init.
    const cmd = kernelCmdline(deb.boot, { disk: '/d.ext4', initrd: null });
    expect(cmd).toMatch(/root=\/dev\/sda rootfstype=ext4 rw$/);
    const busybox = m.variants.find((v) => v.name === '08-ext4-root')!;
    expect(kernelCmdline(busybox.boot, { disk: '/d.ext4', initrd: null })).toMatch(/ init=\/init$/);
  });

  it('defaults: bookworm, minbase, no exclusions; a mirror named in the matrix wins', () => {
    const m = parseMatrix(
      ladderWith('        debootstrap: {mirror: "http://deb.devuan.org/merged", suite: daedalus}\n'),
      resolve('x.yaml'),
    );
    expect(m.variants[0].boot.disk).toMatchObject({ init: null, sizeMb: 1024 });
    expect(m.variants[0].boot.disk?.debootstrap).toEqual({
      mirror: 'http://deb.devuan.org/merged',
      suite: 'daedalus',
      variant: 'minbase',
      include: [],
    });
    expect(resolveDebootstrap({ mirror: 'file:///srv/debian', exclude: ['systemd-sysv'] })).toEqual({
      mirror: 'file:///srv/debian',
      suite: 'bookworm',
      variant: 'minbase',
      include: [],
      exclude: ['systemd-sysv'],
    });
  });

  it('mistakes are named at the key before any download', () => {
    const err = (disk: string, arch = '') => {
      try {
        parseMatrix(ladderWith(disk, arch), resolve('x.yaml'));
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected a rejection');
    };
    expect(err('        script: "echo hi"\n        debootstrap: {mirror: "http://d/debian"}\n')).toMatch(
      /variants\[0\] \(d\)\.boot\.disk: a debootstrap root boots its own \/sbin\/init/,
    );
    expect(err('        debootstrap: {mirror: "http://d/debian", exclude: ["rm -rf"]}\n')).toMatch(
      /boot\.disk\.debootstrap: debootstrap package "rm -rf" is not a package name/,
    );
    expect(err('        debootstrap: {mirror: "deb.debian.org"}\n')).toMatch(/is not a URL/);
    expect(err('        debootstrap: {mirror: "http://d/debian", packages: [x]}\n')).toMatch(
      /x\.yaml:6:9: variants\[0\]\.boot\.disk/,
    );
    expect(err('        debootstrap: {mirror: "http://d/debian"}\n', 'arch: riscv64\n')).toMatch(
      /host's arch only, not riscv64/,
    );
  });
});

/** A tree with Debian 12's inittab, shadow and ifupdown, as debootstrap leaves them. */
function debianTree(): string {
  const t = mkdtempSync(join(tmpdir(), 'bw-deb-'));
  mkdirSync(join(t, 'etc'));
  mkdirSync(join(t, 'sbin'));
  writeFileSync(
    join(t, 'etc/inittab'),
    'id:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\nl2:2:wait:/etc/init.d/rc 2\n1:2345:respawn:/sbin/getty --noclear 38400 tty1\n2:23:respawn:/sbin/getty 38400 tty2\n#T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100\n',
  );
  writeFileSync(join(t, 'etc/shadow'), 'root:*:20792:0:99999:7:::\ndaemon:*:20792:0:99999:7:::\n');
  writeFileSync(join(t, 'sbin/ifup'), '');
  return t;
}

describe('a debootstrap root set up for a serial-only guest', () => {
  it('getty on the console after the runlevel, no VT gettys, root without password, DHCP, fstab by label', () => {
    const files = rootSetup(debianTree(), 'ttyS0');
    const inittab = files['/etc/inittab'].split('\n');
    expect(inittab).toContain('#1:2345:respawn:/sbin/getty --noclear 38400 tty1');
    expect(inittab).toContain('#2:23:respawn:/sbin/getty 38400 tty2');
    // After `l2` (a wait entry): init starts the getty once the runlevel's services are up.
    const getty = inittab.indexOf('T0:2345:respawn:/sbin/getty -L ttyS0 115200 vt100');
    expect(getty).toBeGreaterThan(inittab.indexOf('l2:2:wait:/etc/init.d/rc 2'));
    expect(files['/etc/shadow']).toBe('root::20792:0:99999:7:::\ndaemon:*:20792:0:99999:7:::\n');
    expect(files['/etc/network/interfaces']).toMatch(/^auto eth0\niface eth0 inet dhcp$/m);
    expect(files['/etc/fstab']).toBe(`LABEL=${DEBOOTSTRAP_ROOT_LABEL} / ext4 defaults 0 0\n`);
    expect(files['/etc/hosts']).toMatch(/localhost/);
  });

  it('leaves alone what the tree does not use: no inittab under systemd, no interfaces without ifupdown', () => {
    const t = mkdtempSync(join(tmpdir(), 'bw-deb-'));
    mkdirSync(join(t, 'etc'));
    writeFileSync(join(t, 'etc/shadow'), 'root:*:1:0:99999:7:::\n');
    writeFileSync(join(t, 'etc/hosts'), '127.0.0.1 localhost\n');
    expect(Object.keys(rootSetup(t, 'ttyAMA0')).sort()).toEqual(['/etc/fstab', '/etc/shadow']);
  });
});
