/**
 * Titles as syzbot makes them, on real reports from syzkaller's own test data (see
 * test/fixtures/syzkaller/README.md). Each file states syzbot's title; bootwatch must give
 * the same one, except for the few listed below with the reason.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

interface Case {
  name: string;
  title: string;
  header: string;
  body: Buffer;
}

function load(name: string): Case {
  const bytes = fixtureBytes(`syzkaller/${name}`);
  const text = bytes.toString('latin1');
  // Header lines, a blank line, the console text; a report without a crash has no header lines.
  const split = text.startsWith('\n') ? -1 : text.indexOf('\n\n');
  const header = split < 0 ? '' : text.slice(0, split);
  const title = /^TITLE: (.*)$/m.exec(header)?.[1] ?? '';
  return { name, title, header, body: bytes.subarray(split + 2) };
}

/** Where bootwatch knowingly differs from the title recorded in syzkaller's test data. */
const DIFFERENT: Record<string, { title: string; why: string }> = {
  '17': {
    title: 'KASAN: use-after-free Read in corrupted',
    why:
      "recorded by an older rule set: syzkaller's current skip list has copy_from_iter, so a header-only " +
      'report naming it has no culprit left (15, memcpy, is recorded so)',
  },
  '45': {
    title: 'BUG: unable to handle kernel paging request in _snd_timer_stop',
    why: 'recorded by an older syzkaller; its current rule (and syzbot on arm64) prefixes `BUG: `',
  },
  '46': {
    title: 'BUG: unable to handle kernel paging request in blk_rq_map_sg',
    why: 'recorded by an older syzkaller; its current rule (and syzbot on arm64) prefixes `BUG: `',
  },
  '68': {
    title: 'BUG: spinlock recursion in wake_up_new_task',
    why:
      "recorded as `in __task_rq_lock` by an older rule set: syzkaller's current spinlock rule also skips " +
      '`_lock` functions, which leaves wake_up_new_task',
  },
  '113': {
    title: 'kernel BUG in esp6_gro_receive',
    why:
      'recorded as `kernel BUG at FILE:LINE!` by an older rule set, kept by syzkaller only as an alternative ' +
      "title for merging old bugs: its rule names the BUG()'s caller, skipping skb_ wrappers (skb_pull)",
  },
  '72': {
    title: 'INFO: task hung in rtnl_lock',
    why:
      'recorded as `in ieee80211_unregister_hw` by an older rule set: syzkaller now groups every hang that ' +
      'waits in rtnl_lock under that one name (its hung-task buckets)',
  },
  '590': {
    title: 'KFENCE: use-after-free read in find_uprobe',
    why:
      'recorded by an older rule set that dropped the access direction; since syzkaller PR #6160 (July 2025) ' +
      'a KFENCE title keeps it, as 592 (`out-of-bounds write`) and 598 (`invalid read`) are recorded',
  },
  '87': {
    title: 'BUG: Dentry still in use in unmount',
    why:
      "recorded as `[unmount of proc proc]` by an older rule set, now only syzkaller's alternative title: the " +
      'file system type and block device split one bug, so its rule leaves them out',
  },
};

const CASES = readdirSync(`${FIXTURES_DIR}syzkaller`)
  .filter((f) => /^\d+$/.test(f))
  .sort((a, b) => Number(a) - Number(b))
  .map(load);

describe('syzbot titles on syzkaller test data', () => {
  it('has over two hundred reports, a few of them no crash', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(225);
    expect(CASES.filter((c) => !c.title).length).toBeGreaterThanOrEqual(11);
  });

  for (const c of CASES) {
    const known = DIFFERENT[c.name];
    it(`${c.name}: ${c.title}${known ? ` (differs: ${known.why})` : ''}`, () => {
      const r = parseLog(c.body);
      // No title: syzkaller sees no crash (a warning printed by design, not a bug).
      if (!c.title) {
        expect(r.crashes).toEqual([]);
        return;
      }
      expect(r.crashes.length).toBeGreaterThan(0);
      expect(r.crashes[0].title).toBe(known ? known.title : c.title);
      // `corrupted` in a title is syzbot's mark for a report whose stack names no culprit.
      if (!known && / in corrupted\b/.test(c.title)) expect(r.crashes[0].corrupted).toBe(true);
    });
  }

  it('marks reports corrupted exactly where syzbot does (CORRUPTED: Y)', () => {
    const differ = CASES.filter((c) => {
      const want = /^CORRUPTED: Y$/m.test(c.header);
      return (parseLog(c.body).crashes[0]?.corrupted === true) !== want;
    }).map((c) => c.name);
    expect(differ).toEqual([]);
  });

  it('matches syzbot exactly on all but the listed differences', () => {
    const exact = CASES.filter((c) => (parseLog(c.body).crashes[0]?.title ?? '') === c.title).length;
    expect(exact).toBe(CASES.length - Object.keys(DIFFERENT).length);
  });
});
