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
  body: Buffer;
}

function load(name: string): Case {
  const bytes = fixtureBytes(`syzkaller/${name}`);
  const text = bytes.toString('latin1');
  const split = text.indexOf('\n\n');
  const title = /^TITLE: (.*)$/m.exec(text.slice(0, split))?.[1] ?? '';
  return { name, title, body: bytes.subarray(split + 2) };
}

/** Where bootwatch knowingly differs from the title recorded in syzkaller's test data. */
const DIFFERENT: Record<string, { title: string; why: string }> = {
  '23': {
    title: 'WARNING in dev_watchdog',
    why: 'a header-only WARN: syzkaller names the header function in 22 and 24 but not here',
  },
  '41': {
    title: 'UBSAN: undefined-behaviour in ip_idents_reserve',
    why: 'syzkaller keeps the header file here although the stack names a caller; rule not found',
  },
  '45': {
    title: 'BUG: unable to handle kernel paging request in _snd_timer_stop',
    why: 'recorded by an older syzkaller; its current rule (and syzbot on arm64) prefixes `BUG: `',
  },
  '46': {
    title: 'BUG: unable to handle kernel paging request in blk_rq_map_sg',
    why: 'recorded by an older syzkaller; its current rule (and syzbot on arm64) prefixes `BUG: `',
  },
  '55': {
    title: 'memory leak in debug_objects_mem_init (size 20)',
    why: "`BUG: memory leak` behind syz-fuzzer's own log prefix is not a kernel line here",
  },
  '60': {
    title: 'INFO: rcu detected stall',
    why: 'a stall header cut off before any stack; syzkaller keeps the raw header line',
  },
  '150': {
    title: 'WARNING: held lock freed in sctp_wait_for_sndbuf',
    why: "syzkaller's test data marks its own title as a TODO for `... in <function>`",
  },
  '1012': {
    title: 'WARNING in ifs_free',
    why: 'newer syzkaller skips iomap helpers under the WARN, a rule not in the rules read',
  },
};

const CASES = readdirSync(`${FIXTURES_DIR}syzkaller`)
  .filter((f) => /^\d+$/.test(f))
  .sort((a, b) => Number(a) - Number(b))
  .map(load);

describe('syzbot titles on syzkaller test data', () => {
  it('has a few dozen reports', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of CASES) {
    const known = DIFFERENT[c.name];
    it(`${c.name}: ${c.title}${known ? ` (differs: ${known.why})` : ''}`, () => {
      const r = parseLog(c.body);
      expect(r.crashes.length).toBeGreaterThan(0);
      expect(r.crashes[0].title).toBe(known ? known.title : c.title);
      // `corrupted` in a title is syzbot's mark for a report whose stack names no culprit.
      if (!known && / in corrupted\b/.test(c.title)) expect(r.crashes[0].corrupted).toBe(true);
    });
  }

  it('matches syzbot exactly on all but the listed differences', () => {
    const exact = CASES.filter((c) => parseLog(c.body).crashes[0]?.title === c.title).length;
    expect(exact).toBe(CASES.length - Object.keys(DIFFERENT).length);
  });
});
