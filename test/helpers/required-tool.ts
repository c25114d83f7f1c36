/**
 * Tests that need a tool from the host (python3, addr2line, a PostgreSQL server, the
 * kernel's scripts): in CI a missing tool is a failure, elsewhere a skip that says why.
 */
import { execFileSync } from 'node:child_process';
import { it } from 'vitest';

/**
 * True when the tests that need `tool` must be skipped. In CI (`CI=true`) it also adds a
 * failing test naming the tool, since CI must have everything the suite uses.
 */
export function skipWithout(tool: string, present: boolean): boolean {
  if (present) return false;
  if (process.env.CI === 'true') {
    it(`has ${tool}`, () => {
      throw new Error(`${tool} is missing: CI must provide it (scripts/setup.sh --test)`);
    });
    return true;
  }
  console.warn(`\u26a0 skipping the tests that need ${tool}: it is missing here (in CI this fails)`);
  return true;
}

/** Whether `cmd --version` runs. */
export function runs(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
