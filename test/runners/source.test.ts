/** The kernel version a source tarball's top-level Makefile states, and unpacking it once. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareSource, versionFromMakefile } from '../../runners/source.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';

// The first lines of linux-source-6.1's Makefile (Debian 12), with its empty EXTRAVERSION.
const head = fixtureBytes('source/linux-6.1.192-Makefile.head').toString('utf8');

describe('versionFromMakefile', () => {
  it('reads 6.1.192 from a real Makefile head, not running into the NAME line', () => {
    expect(head).toContain('EXTRAVERSION =\nNAME = Curry Ramen\n');
    expect(versionFromMakefile(head)).toBe('6.1.192');
  });

  it('appends a non-empty EXTRAVERSION, and reads CRLF lines', () => {
    expect(versionFromMakefile(head.replace('EXTRAVERSION =', 'EXTRAVERSION = -rc1'))).toBe('6.1.192-rc1');
    expect(versionFromMakefile(head.replaceAll('\n', '\r\n'))).toBe('6.1.192');
  });

  it('is null for a file that states no version', () => {
    expect(versionFromMakefile('# just a comment\nall:\n\techo hi\n')).toBeNull();
  });
});

describe('prepareSource', () => {
  const saved = process.env.BOOTWATCH_CACHE;
  let dir = '';
  afterEach(() => {
    if (saved === undefined) delete process.env.BOOTWATCH_CACHE;
    else process.env.BOOTWATCH_CACHE = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks a tarball once when several callers race for it (two test processes on a cold cache)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bootwatch-source-'));
    const tree = join(dir, 'tree', 'linux-source-6.1');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'Makefile'), head);
    const tarball = join(dir, 'linux-source-6.1.tar.xz');
    execFileSync('tar', ['-cJf', tarball, '-C', join(dir, 'tree'), 'linux-source-6.1']);
    process.env.BOOTWATCH_CACHE = join(dir, 'cache');
    const got = await Promise.all(
      Array.from({ length: 4 }, () => prepareSource({ kind: 'tarball', path: tarball })),
    );
    const want = join(dir, 'cache', 'src', 'linux-source-6.1');
    expect(got.map((s) => [s.dir, s.input.version])).toEqual(Array(4).fill([want, '6.1.192']));
    // No half-unpacked directory is left beside it.
    expect(readdirSync(join(dir, 'cache', 'src'))).toEqual(['linux-source-6.1']);
  });
});
