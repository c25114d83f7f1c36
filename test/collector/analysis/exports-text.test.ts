/**
 * JUnit XML (checked well-formed by Python's expat, hostile text included, and valid by
 * xmllint against Jenkins xunit's junit-10.xsd) and the Prometheus text exposition (checked
 * line by line against the format's grammar, and by promtool).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeXml, type JunitBoot, toJunit } from '../../../collector/analysis/junit.ts';
import { escapeLabel, toPrometheus, type VariantMetrics } from '../../../collector/analysis/metrics.ts';
import type { BootCheck } from '../../../common/types/ingest.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';
import { promtoolCheck, xmllintSchema } from '../../helpers/validators.ts';

const noPython = skipWithout('python3 (its expat checks the XML)', runs('python3'));
const noXmllint = skipWithout('xmllint (libxml2-utils: validates JUnit against its XSD)', runs('xmllint'));
const noPromtool = skipWithout('promtool (prometheus: checks the metrics)', runs('promtool'));

/** The seed ladder's network step: userspace ran, the guest never answered. */
const netFailed: BootCheck = { name: 'net', ok: false, detail: 'no answer from the guest on port 8080' };

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

  it.skipIf(noXmllint)("is valid against Jenkins xunit's junit-10.xsd", () => {
    expect(xmllintSchema(xml)).toEqual({ ok: true, output: '- validates' });
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});

describe('toJunit with runner checks and silent boots', () => {
  const xml = toJunit('seed-ladder run 8', [
    {
      id: 5,
      variant: '05-net',
      outcome: 'booted',
      checks: [netFailed],
      durationMs: 3000,
      title: null,
      details: [],
    },
    {
      id: 6,
      variant: '05-net',
      outcome: 'booted',
      checks: [
        { ...netFailed, ok: true },
        { name: 'ec2-cleanup', ok: false, harness: true },
      ],
      durationMs: 3000,
      title: null,
      details: [],
    },
    {
      id: 7,
      variant: '01-serial',
      outcome: 'no_output',
      durationMs: 1000,
      title: null,
      details: [],
      diagnosis: { option: 'CONFIG_SERIAL_8250_CONSOLE', reason: 'no kernel message', line: 0, evidence: '' },
    },
    {
      id: 8,
      variant: '03-exec',
      outcome: 'stalled',
      endReason: 'cancelled',
      durationMs: 500,
      title: null,
      details: [],
    },
    { id: null, variant: '99-broken', outcome: 'build_failed', durationMs: null, title: null, details: [] },
  ]);

  it('fails a boot that reached userspace but failed a check, and names the check', () => {
    expect(xml).toContain(
      '<failure message="booted, but net failed: no answer from the guest on port 8080" type="check">',
    );
    expect(xml).toMatch(/<testcase[^>]*name="05-net #6"[^>]*\/>/);
  });

  it('cites no line for a silent boot', () => {
    expect(xml).toContain('<failure message="no_output" type="no_output">');
    expect(xml).toContain('diagnosis: CONFIG_SERIAL_8250_CONSOLE (no kernel message)<');
    expect(xml).not.toContain('line 0');
  });

  it('counts a cancelled boot as skipped, on the testsuite only', () => {
    expect(xml).toContain('<testsuites name="bootwatch" tests="5" failures="3" errors="0" time=');
    expect(xml).toContain('tests="5" failures="3" errors="0" skipped="1"');
    expect(xml).toContain('<skipped message="cancelled"/>');
  });

  it.skipIf(noXmllint)("is valid against Jenkins xunit's junit-10.xsd", () => {
    expect(xmllintSchema(xml)).toEqual({ ok: true, output: '- validates' });
  });

  it.skipIf(noXmllint)('would be caught by the XSD with `skipped` on testsuites', () => {
    const bad = xml.replace('<testsuites name="bootwatch"', '<testsuites name="bootwatch" skipped="1"');
    expect(xmllintSchema(bad).ok).toBe(false);
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
      status: 'FAIL',
      endReason: 'marker',
      checks: [netFailed, { name: 'root "disk"', ok: true }],
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
      status: null,
      endReason: null,
      checks: [],
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

  it("carries the boot's verdict and its failed checks", () => {
    expect(text).toContain('bootwatch_boot_verdict{variant="05-net",verdict="FAIL"} 1');
    expect(text).toContain('bootwatch_boot_verdict{variant="05-net",verdict="PASS"} 0');
    expect(text).toContain('bootwatch_boot_checks_failed{variant="05-net"} 1');
    expect(text).toContain('bootwatch_boot_check_success{variant="05-net",check="net"} 0');
    expect(text).toContain('bootwatch_boot_check_success{variant="05-net",check="root \\"disk\\""} 1');
    expect(text).toContain('bootwatch_boot_verdict{variant="evil\\"\\\\\\nname",verdict="FAIL"} 1');
  });

  it.skipIf(noPromtool)('passes promtool check metrics', () => {
    expect(promtoolCheck(text)).toEqual({ ok: true, output: '' });
  });

  it('says nothing without variants', () => expect(toPrometheus([])).toBe(''));
});
