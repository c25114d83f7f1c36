/** The kernel version a source tarball's top-level Makefile states. */
import { describe, expect, it } from 'vitest';
import { versionFromMakefile } from '../../runners/source.ts';
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
