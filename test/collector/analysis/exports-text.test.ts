/**
 * JUnit XML (checked well-formed by Python's expat, hostile text included) and the
 * Prometheus text exposition (checked line by line against the format's grammar).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeXml, type JunitBoot, toJunit } from '../../../collector/analysis/junit.ts';
import { escapeLabel, toPrometheus, type VariantMetrics } from '../../../collector/analysis/metrics.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';

const noPython = skipWithout('python3 (its expat checks the XML)', runs('python3'));

/** Parses XML with expat and returns [suite attrs, testcase names, failure messages]. */
function expat(xml: string): {
  suite: Record<string, string>;
  cases: string[];
  messages: string[];
  text: string;
} {
  const py = [
    'import sys, json, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    's = root.find("testsuite")',
    'cases = s.findall("testcase")',
    'fails = [e for c in cases for e in list(c) if e.tag in ("failure", "error")]',
    'print(json.dumps({"suite": s.attrib, "cases": [c.get("name") for c in cases],',
    '  "messages": [f.get("message") for f in fails], "text": "".join(f.text or "" for f in fails)}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', py], { input: xml, encoding: 'utf8' }));
}

const hostile = 'a <script>alert("x")</script> & \'q\' ]]> \u0001\u001b[31m\uFFFE end';

const boots: JunitBoot[] = [
  { id: 1, variant: '03-exec', outcome: 'booted', durationMs: 2100, title: null, details: [] },
  {
    id: 2,
    variant: '02-initrd',
    outcome: 'panic',
    durationMs: 900,
    title: 'kernel panic: No working init found.',
    details: ['[    0.296411] Failed to execute /init (error -2)', hostile],
    url: 'http://127.0.0.1:8080/#/boots/2',
  },
  {
    id: 3,
    variant: `v"<&>${hostile}`,
    outcome: 'error',
    durationMs: null,
    title: hostile,
    details: [hostile],
  },
  { id: 4, variant: null, outcome: null, durationMs: null, title: null, details: [] },
];

describe('toJunit', () => {
  const xml = toJunit('seed-ladder run 7', boots, '2025-11-25T09:10:00Z');

  it('counts failures, errors and skips', () => {
    expect(xml).toContain('tests="4" failures="1" errors="1" skipped="1" time="3.000"');
    expect(xml).not.toMatch(/[\u0001\u001b\uFFFE]/);
    expect(xml).not.toContain('<script>');
  });

  it.skipIf(noPython)('is well-formed XML whose text reads back exactly', () => {
    const r = expat(xml);
    expect(r.suite).toMatchObject({ name: 'seed-ladder run 7', tests: '4', failures: '1', errors: '1' });
    expect(r.cases[1]).toBe('02-initrd #2');
    expect(r.cases[2]).toBe(`v"<&>${hostile.replace(/[\u0001\u001b\uFFFE]/g, '')} #3`);
    expect(r.messages[0]).toBe('panic: kernel panic: No working init found.');
    expect(r.text).toContain('a <script>alert("x")</script> & \'q\' ]]>');
    expect(r.text).toContain('console: http://127.0.0.1:8080/#/boots/2');
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});

// Exposition grammar: comments (# HELP / # TYPE) and `name{label="value",...} number` samples.
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+]+|[+-]Inf|NaN)$/;
const COMMENT =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

describe('toPrometheus', () => {
  const variants: VariantMetrics[] = [
    {
      variant: '05-net',
      sizes: { image: 1_294_336, vmlinux: 14_000_000, text: 2_400_000 },
      buildSeconds: 183.4,
      buildOk: true,
      timeToInit: 0.85727,
      outcome: 'booted',
      bootTimestamp: 1_764_061_800,
      openRegressions: 0,
    },
    {
      variant: 'evil"\\\nname',
      sizes: {},
      buildSeconds: null,
      buildOk: false,
      timeToInit: null,
      outcome: 'panic',
      bootTimestamp: null,
      openRegressions: 2,
    },
  ];
  const text = toPrometheus(variants);

  it('follows the exposition format line by line', () => {
    const lines = text.trimEnd().split('\n');
    for (const l of lines) expect(l.startsWith('#') ? COMMENT.test(l) : SAMPLE.test(l), l).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('carries the figures and escapes label values', () => {
    expect(text).toContain('bootwatch_image_size_bytes{variant="05-net",kind="image"} 1294336');
    expect(text).toContain('bootwatch_build_duration_seconds{variant="05-net"} 183.4');
    expect(text).toContain('bootwatch_time_to_init_seconds{variant="05-net"} 0.85727');
    expect(text).toContain('bootwatch_boot_outcome{variant="05-net",outcome="booted"} 1');
    expect(text).toContain('bootwatch_boot_outcome{variant="05-net",outcome="panic"} 0');
    expect(text).toContain('bootwatch_build_success{variant="evil\\"\\\\\\nname"} 0');
    expect(text).toContain('bootwatch_open_regressions{variant="evil\\"\\\\\\nname"} 2');
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('says nothing without variants', () => expect(toPrometheus([])).toBe(''));
});
