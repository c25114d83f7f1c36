/**
 * The seed ladder's top rung, for real: 09-debian built from allnoconfig plus the ladder's
 * fragments, booted under QEMU from the Debian 12 root debootstrap made (sysvinit, cached by
 * the set-up script), to the `login:` prompt on the serial console, with DHCP on eth0 and
 * sshd answering through the port forward. One kernel build (ccache makes it cheap again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../runners/collector-client.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { runMatrix } from '../../runners/run-matrix.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

let collector: RealCollector;
beforeAll(async () => {
  collector = await startRealCollector();
}, 120_000);
afterAll(() => collector.stop());

describe('09-debian: a real distribution at the top of the seed ladder', () => {
  it('boots Debian with sysvinit to a login prompt with the network up', async () => {
    const report = await runMatrix(loadMatrix('examples/seed-ladder.yaml'), {
      collector: new CollectorClient(collector.url),
      only: ['09-debian'],
    });
    const r = report.results[0];
    expect(r.error).toBeNull();
    const boot = r.boot!;
    const text = boot.console.toString('utf8');
    expect(r.outcome, text.slice(-3000)).toBe('booted');
    // The prompt ended the boot, though no newline follows it.
    expect(boot.finish.endReason).toBe('marker');
    expect(text).toMatch(/Run \/sbin\/init as init process/);
    expect(text).toMatch(/INIT: version 3\.\d+ booting/);
    expect(text).toMatch(/\bbootwatch login: $/);
    expect(boot.parse.milestones).toHaveProperty('login');
    expect(boot.parse.milestones).toHaveProperty('root_mounted');
    // DHCP from QEMU's user network, and sshd answering on the forwarded tcp/22.
    expect(text).toMatch(/bound to 10\.0\.2\.15/);
    const net = (boot.finish.checks ?? []).find((c) => c.name === 'net');
    expect(net, JSON.stringify(boot.finish.checks)).toMatchObject({ ok: true });
    expect(net?.detail).toMatch(/SSH-2\.0-OpenSSH/);
    expect((boot.finish.checks ?? []).find((c) => c.name === 'root-disk')).toMatchObject({ ok: true });
    // The collector stored the same verdict.
    const stored = await collector.get<{ outcome: string; variant: string }>(
      `/api/boots/${r.delivery!.bootId}`,
    );
    expect(stored).toMatchObject({ outcome: 'booted', variant: '09-debian' });
  }, 3_600_000);
});
