import type { Command } from 'commander';

/** `bootwatch report`: a run's regressions as the collector judged them, read over HTTP. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'regression report of a run (default: the latest) for a mailing-list reply: evidence, config diff, size diff',
    )
    .option('--run <id>', 'recorded run id, or latest')
    .option('--open', 'every open regression instead of one run')
    .option('--collector <url>', 'collector base URL (default: the embedded database)')
    .option('--json', 'print the report as JSON')
    .option('--out <dir>', 'also write report.txt and report.json there')
    .action(async (opts: import('./report-command.ts').ReportOptions) => {
      const { reportCommand } = await import('./report-command.ts');
      process.exitCode = await reportCommand(opts);
    });
}
