/**
 * End-of-boot decisions on the real seed-ladder consoles, fed through the parser as a
 * stream: the line that ends each boot, with and without a completion marker.
 */
import { describe, expect, it } from 'vitest';
import { BootLogParser } from '../../collector/parser/index.ts';
import { ConsoleWatch } from '../../runners/console-watch.ts';
import { decideOutcome } from '../../runners/qemu/boot.ts';
import type { EndDecision } from '../../runners/qemu/end-detector.ts';
import { EndDetector } from '../../runners/qemu/end-detector.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';

/** The first `end` decision (line number and reason), feeding the log in 512-byte chunks. */
function firstEnd(
  file: string,
  markers: string[],
): { line: number; text: string; decision: EndDecision } | null {
  const bytes = fixtureBytes(`logs/${file}`);
  const p = new BootLogParser({ context: { initIsScript: true } });
  const d = new EndDetector(markers);
  let quiet: { line: number; text: string; decision: EndDecision } | null = null;
  for (let i = 0; i <= bytes.length; i += 512) {
    const ups = i < bytes.length ? p.push(bytes.subarray(i, i + 512)) : p.end();
    for (const u of ups) {
      const decision = d.onLine(u);
      if (decision && 'end' in decision) return { line: u.line, text: u.text, decision };
      if (decision && !quiet) quiet = { line: u.line, text: u.text, decision };
    }
  }
  return quiet;
}

describe('EndDetector on real consoles', () => {
  it('a panic ends the boot (a quiet wait while its trace prints, or the end marker line)', () => {
    const r = firstEnd('01-serial-no-initrd.log', ['SEEDLAB-DONE']);
    expect(r?.text).toMatch(/Kernel panic|end Kernel panic/);
    const d = r?.decision as { end?: string; quiet?: string };
    expect(d.end ?? d.quiet).toBe('panic');
  });

  it('the completion marker ends a boot as soon as it is printed', () => {
    for (const f of ['03-exec-no-net.log', '05-net-e1000.log', '07-block-initcall-debug.log']) {
      const r = firstEnd(f, ['SEEDLAB-DONE']);
      expect(r?.decision).toEqual({ end: 'marker' });
      expect(r?.text).toBe('SEEDLAB-DONE');
    }
  });

  it('without a marker, the halt / power-down line ends it', () => {
    expect(firstEnd('05-net-e1000.log', [])).toMatchObject({
      decision: { end: 'shutdown' },
      text: expect.stringMatching(/System halted/),
    });
    expect(firstEnd('07-block-initcall-debug.log', [])).toMatchObject({
      decision: { end: 'shutdown' },
      text: expect.stringMatching(/Power down/),
    });
  });
});

describe('a prompt ends the boot without its newline', () => {
  /** The end of a Debian sysvinit boot: agetty's issue line, then a prompt that waits for input. */
  const TAIL = [
    '[    2.513706] Run /sbin/init as init process\r\n',
    'INIT: version 3.06 booting\r\n',
    'Configuring network interfaces...DHCPACK of 10.0.2.15 from 10.0.2.2\r\n',
    'bound to 10.0.2.15 -- renewal in 43011 seconds.\r\n',
    'INIT: Entering runlevel: 2\r\n',
    '\r\nDebian GNU/Linux 12 bootwatch ttyS0\r\n\r\n',
    'bootwatch lo',
    'gin: ',
  ];

  it('ends at the login prompt, split over chunks, and the parse records the login', async () => {
    const w = new ConsoleWatch({ markers: ['login:'], initIsScript: false });
    for (const c of TAIL.slice(0, -1)) w.push(c);
    expect(w.endReason).toBeNull();
    w.push(Buffer.from(TAIL.at(-1)!));
    expect(await w.ended).toBe('marker');
    const r = w.finish();
    expect(r.milestones).toHaveProperty('login');
    expect(r.outcome).toBe('booted');
  });

  it('only a whole marker in the unfinished line ends it, and not once a panic began', () => {
    const d = new EndDetector(['login:']);
    expect(d.onPartial('bootwatch login: ')).toEqual({ end: 'marker' });
    expect(d.onPartial('bootwatch lo')).toBeNull();
    const p = new BootLogParser({ context: {} });
    for (const u of p.push('[    1.0] Kernel panic - not syncing: Attempted to kill init!\n')) d.onLine(u);
    expect(d.onPartial('login: ')).toBeNull();
  });
});

describe('an init with nothing left to run', () => {
  /**
   * Debian's sysvinit on a kernel without what its getty needs (the login climb's attempt
   * 7): rcS ran, no getty stays up, and init says so; nothing else will ever happen.
   */
  const IDLE = [
    '[    2.513706] Run /sbin/init as init process\r\n',
    'INIT: version 3.06 booting\r\n',
    'mount: /run: wrong fs type, bad option, bad superblock on tmpfs, missing codepage or helper program, or other error.\r\n',
    'INIT: Entering runlevel: 2\r\n',
    'INIT: Id "T0" respawning too fast: disabled for 5 minutes\r\n',
    'INIT: no more processes left in this runlevel\r\n',
  ];

  it('ends the boot after a longer silence, as a timeout would (stalled), without waiting for it', async () => {
    const w = new ConsoleWatch({ markers: ['login:'], idleQuietMs: 50 });
    for (const c of IDLE) w.push(c);
    expect(w.endReason).toBeNull();
    expect(await w.ended).toBe('timeout');
    const r = w.finish();
    expect(r.lastStage).toBe('userspace');
    expect(decideOutcome('timeout', r)).toBe('stalled');
  });

  it('a line after the idle word restarts the wait, and a marker still ends the boot as reached', async () => {
    const w = new ConsoleWatch({ markers: ['login:'], idleQuietMs: 200 });
    for (const c of IDLE) w.push(c);
    await new Promise((r) => setTimeout(r, 120));
    w.push('bound to 10.0.2.15 -- renewal in 43011 seconds.\r\n');
    await new Promise((r) => setTimeout(r, 120));
    expect(w.endReason).toBeNull();
    w.push('bootwatch login: ');
    expect(await w.ended).toBe('marker');
  });

  it('the panic rules are untouched: an idle word inside a panic is still a panic', () => {
    const d = new EndDetector([]);
    const p = new BootLogParser({ context: {} });
    const out = p
      .push(
        '[    1.0] Kernel panic - not syncing: Attempted to kill init!\nINIT: no more processes left in this runlevel\n',
      )
      .map((u) => d.onLine(u));
    expect(out).toEqual([{ quiet: 'panic' }, { quiet: 'panic' }]);
  });
});
