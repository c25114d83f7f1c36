/**
 * Golden answers: every console log of the fixture corpus (each `*.log` under test/fixtures/
 * and syzkaller's numbered reports) parses to the JSON committed under test/fixtures/golden/,
 * byte for byte, whether read in one go (parseLog) or streamed through BootLogParser in odd
 * chunk sizes. It pins what the parser answers while its insides change (issue 12).
 *
 * After an intended change of answers, regenerate and review the diff:
 *   BOOTWATCH_UPDATE_GOLDEN=on npx vitest run test/collector/parser/corpus-golden.test.ts
 *
 * Each golden holds, per reading, the whole result and a digest of the per-line updates
 * (line, time, class, level, text, events, crash, initcall for every line: too large to keep
 * whole). Readings: `default` options; `tight` (small caps, a runner's context, markers);
 * `unstamped` (stamps removed, as printk.time=0 prints it) for boot and crash logs, not for
 * formats/ (their framing is the point) nor syzkaller's report excerpts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootLogParser, parseLog } from '../../../collector/parser/index.ts';
import { setting } from '../../../common/settings.ts';
import type { LineUpdate, ParseResult, ParserOptions } from '../../../common/types/parse.ts';
import { FIXTURES_DIR } from '../../helpers/fixtures.ts';

const GOLDEN_DIR = join(FIXTURES_DIR, 'golden');
const UPDATE = setting('BOOTWATCH_UPDATE_GOLDEN') === true;
/** Console logs: every `*.log`, and syzkaller's reports (named by number). */
const IS_LOG = /(?:\.log|^syzkaller\/\d+)$/;
/** Odd sizes: lines, CRLF pairs and UTF-8 sequences split everywhere. */
const CHUNKS = [3, 61, 4093];

const TIGHT: ParserOptions = {
  maxLineLength: 96,
  maxEventsPerKind: 3,
  maxCrashes: 1,
  maxReportLines: 8,
  context: {
    initIsScript: true,
    kernelBits: 32,
    cmdline: 'console=ttyS0 root=/dev/vda',
    markers: ['BOOTWATCH-DONE', 'login:'],
  },
};

interface Reading {
  name: string;
  bytes: Buffer;
  opts?: ParserOptions;
}

/** A syzkaller fixture is a `TITLE:` header, a blank line, then the console text. */
function logBytes(rel: string): Buffer {
  const bytes = readFileSync(join(FIXTURES_DIR, rel));
  if (!rel.startsWith('syzkaller/')) return bytes;
  return bytes.subarray(bytes.indexOf('\n\n') + 2);
}

function readings(rel: string): Reading[] {
  const bytes = logBytes(rel);
  const out: Reading[] = [
    { name: 'default', bytes },
    { name: 'tight', bytes, opts: TIGHT },
  ];
  if (!rel.startsWith('formats/') && !rel.startsWith('syzkaller/'))
    out.push({
      name: 'unstamped',
      bytes: Buffer.from(bytes.toString('latin1').replace(/\[\s*\d+\.\d+\] ?/g, ''), 'latin1'),
    });
  return out;
}

const CORPUS = (readdirSync(FIXTURES_DIR, { recursive: true }) as string[])
  .filter((rel) => IS_LOG.test(rel) && !rel.startsWith('golden/'))
  .sort();

function digest(updates: LineUpdate[]): string {
  return createHash('sha256').update(JSON.stringify(updates)).digest('hex');
}

function stream(r: Reading, size: number): { result: ParseResult; updates: LineUpdate[] } {
  const p = new BootLogParser(r.opts);
  const updates: LineUpdate[] = [];
  for (let at = 0; at < r.bytes.length; at += size) updates.push(...p.push(r.bytes.subarray(at, at + size)));
  updates.push(...p.end());
  return { result: p.result(), updates };
}

function whole(r: Reading): { result: ParseResult; updates: LineUpdate[] } {
  const p = new BootLogParser(r.opts);
  const updates = [...p.push(r.bytes), ...p.end()];
  return { result: p.result(), updates };
}

function goldenPath(rel: string): string {
  return join(GOLDEN_DIR, `${rel}.json`);
}

function render(rel: string): string {
  const answers: Record<string, { result: ParseResult; updates: string }> = {};
  for (const r of readings(rel)) {
    const w = whole(r);
    answers[r.name] = { result: w.result, updates: digest(w.updates) };
  }
  return `${JSON.stringify(answers, null, 1)}\n`;
}

if (UPDATE) {
  rmSync(GOLDEN_DIR, { recursive: true, force: true });
  for (const rel of CORPUS) {
    mkdirSync(dirname(goldenPath(rel)), { recursive: true });
    writeFileSync(goldenPath(rel), render(rel));
  }
}

describe('fixture corpus against its golden answers', () => {
  it('has a golden for every log and none for a log that is gone', () => {
    const goldens = (readdirSync(GOLDEN_DIR, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    expect(goldens).toEqual(CORPUS);
    expect(CORPUS.length).toBeGreaterThan(100);
  });

  describe.each(CORPUS)('%s', (rel) => {
    it('parses to its golden JSON', () => {
      const want = readFileSync(goldenPath(rel), 'utf8');
      expect(render(rel)).toBe(want);
    });

    it('parses the same streamed in odd chunk sizes as in one go', () => {
      for (const r of readings(rel)) {
        const once = parseLog(r.bytes, r.opts);
        const w = whole(r);
        expect(JSON.stringify(w.result), r.name).toBe(JSON.stringify(once));
        for (const size of CHUNKS) {
          const s = stream(r, size);
          expect(JSON.stringify(s.result), `${r.name} in ${size}-byte chunks`).toBe(JSON.stringify(once));
          expect(digest(s.updates), `${r.name} updates in ${size}-byte chunks`).toBe(digest(w.updates));
        }
      }
    });
  });
});
