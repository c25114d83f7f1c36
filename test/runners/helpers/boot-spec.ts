/** A ResolvedBoot with test defaults, so each test states only what it cares about. */
import type { ResolvedBoot } from '../../../runners/matrix/types.ts';

export function bootSpec(over: Partial<ResolvedBoot> = {}): ResolvedBoot {
  return {
    cmdline: 'console=ttyS0 panic=-1',
    memoryMb: 512,
    cpus: 1,
    machine: 'pc',
    accel: 'auto',
    timeoutMs: 60_000,
    initramfs: null,
    net: null,
    disk: null,
    markers: ['BOOTWATCH-DONE'],
    ...over,
  };
}

/** A busybox /init running `body` between the usual set-up and the marker. */
export function initScript(body: string, end = 'echo BOOTWATCH-DONE\npoweroff -f'): string {
  return `#!/bin/busybox sh\n/bin/busybox --install -s /bin\nmount -t proc none /proc\nmount -t sysfs none /sys\necho "init: started"\n${body}\n${end}\n`;
}
