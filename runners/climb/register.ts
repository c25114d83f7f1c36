import type { Command } from 'commander';
import { CLIMB_GOALS } from '../../common/schemas/climbs.ts';
import { setting } from '../../common/settings.ts';

/** `bootwatch climb`: climb a variant to a goal, one diagnosed option at a time. */
export function registerClimbCommand(program: Command): void {
  program
    .command('climb')
    .description(
      'from a kernel that does not reach GOAL to a minimal fragment that does: boot, add the diagnosed option, rebuild, repeat',
    )
    .argument('<matrix>', 'matrix file (its boot settings and the variant to start from)')
    .argument('[variant]', 'the variant to climb from (e.g. 00-allnoconfig; with --resume, the stored one)')
    .option('--goal <goals>', `comma-separated, all to reach: ${CLIMB_GOALS.join(', ')}`)
    .option('--resume <id>', "resume the collector's climb ID (on any host: its variant and goals)", (v) =>
      Number(v),
    )
    .option(
      '--boot-from <variant>',
      "boot every attempt as that variant of the matrix boots (its disk, initramfs, markers): e.g. climb 00-allnoconfig on 08-ext4-root's disk",
    )
    .option('--max-builds <n>', 'build budget (default 20)', (v) => Number(v))
    .option('--collector <url>', 'collector to store every attempt in (default: the embedded database)')
    .option('--state <file>', 'state file, resumed when it exists (default under ~/.cache/bootwatch/climb)')
    .option('--fresh', 'ignore a saved state and start over')
    .option('--out <dir>', 'where the fragment and ladder files go (default: beside the matrix)')
    .option('-j, --jobs <n>', 'make -j', (v) => Number(v))
    .option('--json', 'print the final state as JSON')
    .option('--queue', 'queue the climb as a job for an agent instead of running it here (prints the job id)')
    .option(
      '--database <url>',
      'with --queue: PostgreSQL holding the job queue (default: DATABASE_URL)',
      setting('DATABASE_URL'),
    )
    .action(
      async (
        matrix: string,
        variant: string | undefined,
        opts: import('./climb-command.ts').ClimbOptions,
      ) => {
        const { climbCommand } = await import('./climb-command.ts');
        process.exitCode = await climbCommand(matrix, variant, opts);
      },
    );
}
