/**
 * A bisection told to look for a crash (`--crash TEXT`) judges boots by their crash titles:
 * the text is read as titles are written, so a title copied from an older report (double
 * spaces, past the 120-byte cut) still finds the crash.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../collector/parser/index.ts';
import { verdictOf } from '../../runners/bisect/evaluate.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';

const panicked = parseLog(fixtureBytes('logs/02-initrd-no-binfmt.log'));
const booted = parseLog(fixtureBytes('logs/05-net-e1000.log'));
const OLD_TITLE =
  'kernel panic: No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.';

describe('verdictOf with a crash to look for', () => {
  it('finds the crash by a part of its title, and calls a boot without it good', () => {
    const t = { goodOutcome: 'booted' as const, crash: 'No working init found' };
    expect(verdictOf(t, 'panic', panicked).verdict).toBe('bad');
    expect(verdictOf(t, 'booted', booted).verdict).toBe('good');
  });

  it('finds it by the title an older bootwatch gave it', () => {
    for (const crash of [OLD_TITLE, 'init found.  Try\tpassing'])
      expect(verdictOf({ goodOutcome: 'booted', crash }, 'panic', panicked).verdict, crash).toBe('bad');
  });
});
