/**
 * A matrix of jobs that each boot Debian's kernel into an init that sleeps `seconds` (5) after
 * the kernel's boot: long enough to kill the agent running one mid-job, which the tests do about
 * 2 s after they see its lease. Returns the matrix file's path.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianKernel } from './debian-kernel.ts';

export function sleepyMatrix(dir: string, name: string, variants: string[], seconds = 5): string {
  const k = debianKernel();
  const init = `#!/bin/busybox sh\n/bin/busybox --install -s /bin\necho "job running"\nsleep ${seconds}\necho BOOTWATCH-DONE\npoweroff -f\n`;
  writeFileSync(join(dir, 'init.sh'), init);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nboot:\n  timeout: 120\n  memory: 256\n  initramfs: {init: init.sh}\n  markers: [BOOTWATCH-DONE]\nvariants:\n${variants.map((n) => `  - {name: ${n}, kernel: ${k.vmlinuz}}\n`).join('')}`,
  );
  return file;
}
