/** The README's Settings table lists exactly the declared settings, with their defaults. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type SettingName, setting, settingDefault } from '../../common/settings.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Rows of the table under "## Settings": name → default cell. */
function readmeTable(): Map<string, string> {
  const section = README.split(/^## Settings$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]*) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

describe('settings', () => {
  it('the README table lists every setting once, with its default', () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const name of Object.keys(SETTINGS) as SettingName[])
      expect(table.get(name), name).toBe(settingDefault(name));
  });

  it('takes the default for an unset or empty variable, and the value otherwise', () => {
    expect(setting('BOOTWATCH_QEMU', {})).toBe('qemu-system-x86_64');
    expect(setting('BOOTWATCH_QEMU', { BOOTWATCH_QEMU: '' })).toBe('qemu-system-x86_64');
    expect(setting('BOOTWATCH_QEMU', { BOOTWATCH_QEMU: '/opt/qemu' })).toBe('/opt/qemu');
    expect(setting('BOOTWATCH_SPOOL', {})).toBeUndefined();
  });

  it('names the variable when a value is bad', () => {
    expect(() => setting('BOOTWATCH_DEBUG', { BOOTWATCH_DEBUG: 'maybe' })).toThrow(
      'BOOTWATCH_DEBUG must be on or off, not "maybe"',
    );
  });
});
