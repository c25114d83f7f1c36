/**
 * A real config bisection on the seed ladder: between the initramfs step (panics: no way
 * to run the script /init) and the exec step (boots), real kernel builds and QEMU boots
 * must name CONFIG_BINFMT_SCRIPT and CONFIG_BINFMT_ELF. The run is interrupted by its build
 * budget after the two endpoints and resumed from its state file: the diagnosis hints of the
 * bad boot then confirm both culprits in two more builds, and nothing is built twice.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BisectReport } from '../../collector/analysis/bisect.ts';
import { migratedDataDir } from '../helpers/db.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/bootwatch', import.meta.url).pathname;

async function bisect(
  state: string,
  data: string,
  maxBuilds: number,
): Promise<{ code: number; report: BisectReport }> {
  const args = ['bisect', '--matrix', 'examples/seed-ladder.yaml', '--good', '03-exec', '--bad', '02-initrd'];
  args.push('--state', state, '--max-builds', String(maxBuilds), '--json');
  try {
    const { stdout } = await run(BIN, args, {
      env: { ...process.env, BOOTWATCH_DATA: data },
      maxBuffer: 16 << 20,
    });
    return { code: 0, report: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    if (!e.stdout) throw new Error(e.stderr);
    return { code: e.code, report: JSON.parse(e.stdout) };
  }
}

describe('bisect on the seed ladder, for real', () => {
  it(
    'finds BINFMT_SCRIPT and BINFMT_ELF between 02-initrd and 03-exec, resuming after an interruption',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bw-bisect-'));
      const state = join(dir, 'state.json');
      // The embedded collector's database made beforehand: the subject is the bisection.
      const data = await migratedDataDir('bw-bisect-data-');
      const first = await bisect(state, data, 2);
      expect(first.code).toBe(1);
      expect(first.report.status).toBe('budget');
      expect(first.report.steps.map((s) => [s.phase, s.verdict])).toEqual([
        ['endpoint', 'good'],
        ['endpoint', 'bad'],
      ]);

      const second = await bisect(state, data, 8);
      expect(second.code).toBe(0);
      const r = second.report;
      expect(r.status).toBe('found');
      expect(r.culprits.map((c) => [c.option, c.good, c.bad, c.via, c.confirmed])).toEqual([
        ['CONFIG_BINFMT_SCRIPT', 'y', 'n', 'hint', true],
        ['CONFIG_BINFMT_ELF', 'y', 'n', 'hint', true],
      ]);
      // Two endpoint builds before the interruption, two hint builds after it: none repeated.
      expect(r.builds).toBe(4);
      expect(r.steps.filter((s) => s.built).length).toBe(4);
      expect(new Set(r.steps.map((s) => s.hash)).size).toBe(4);
      expect(r.differing).toBe(4);
      // Every built step is stored (as the scratch variant 02-initrd~bisect): its boot links.
      for (const s of r.steps.filter((x) => x.built)) expect(s.bootId).toBeGreaterThan(0);
    },
    60 * 60_000,
  );
});
