import type { Command } from 'commander';
import { setting } from '../../common/settings.ts';

/** `bootwatch bisect`: find the option(s) that flip a boot, building and booting real kernels. */
export function registerBisectCommand(program: Command): void {
  program
    .command('bisect')
    .description('find which config option(s) flip the boot between a good and a bad config (Kconfig-aware)')
    .requiredOption('--good <config-or-build>', 'a variant of --matrix, a stored build id, or a .config file')
    .requiredOption('--bad <config-or-build>', 'a variant of --matrix, a stored build id, or a .config file')
    .option('--matrix <file>', 'matrix whose boot settings (and variants) to use')
    .option('--max-builds <n>', 'build budget (default 24)', (v) => Number(v))
    .option('--crash <title>', 'bad means a crash whose title contains this (default: not booted)')
    .option('--good-outcome <outcome>', 'the outcome that counts as good (default booted)')
    .option(
      '--collector <url>',
      'collector for stored builds, the bisection state and live progress (default: the embedded database)',
    )
    .option('--state <file>', 'state file, resumed when it exists (default under ~/.cache/bootwatch/bisect)')
    .option('--fresh', 'ignore a saved state and start over')
    .option('--confirm', 'check a bisected culprit alone on the good config, and look for partners')
    .option('--no-hints', "do not test the bad boot's diagnosis first")
    .option('-j, --jobs <n>', 'make -j', (v) => Number(v))
    .option('--json', 'print the report as JSON')
    .option(
      '--queue',
      'queue the bisection as a job for an agent (pg-boss on PostgreSQL) instead of running it here',
    )
    .option(
      '--database <url>',
      'with --queue: PostgreSQL holding the job queue (default: DATABASE_URL)',
      setting('DATABASE_URL'),
    )
    .action(async (opts: import('./bisect-command.ts').BisectOptions) => {
      const { bisectCommand } = await import('./bisect-command.ts');
      process.exitCode = await bisectCommand(opts);
    });
}
