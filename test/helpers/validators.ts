/** The real validators other systems use on our exports: xmllint with an XSD, promtool. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES_DIR } from './fixtures.ts';

/** Jenkins xunit's JUnit schema (test/fixtures/schemas/README.md says where it comes from). */
const JUNIT_XSD = join(FIXTURES_DIR, 'schemas', 'junit-10.xsd');

export interface Verdict {
  ok: boolean;
  /** What the tool said (its complaints), trimmed. */
  output: string;
}

/** `xmllint --noout --schema XSD -` on the document. */
export function xmllintSchema(xml: string, xsd: string = JUNIT_XSD): Verdict {
  const r = spawnSync('xmllint', ['--noout', '--schema', xsd, '-'], { input: xml, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** `promtool check metrics` on an exposition text: clean means exit 0 and nothing said. */
export function promtoolCheck(text: string): Verdict {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}
