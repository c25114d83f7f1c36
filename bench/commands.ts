import type { Command } from 'commander';

/** `bootwatch bench`: every benchmark, one `name: value unit` line each. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks and print their figures, one "name: value unit" per line')
    .option('--only <names>', 'comma-separated benchmark names (default: all)')
    .action(async (opts: { only?: string }) => {
      const { runBenchmarks } = await import('./run.ts');
      await runBenchmarks({ only: opts.only?.split(',').map((s) => s.trim()) });
    });
}
