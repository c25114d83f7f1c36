import type { Command } from 'commander';

/** Commands served by the collector part: parse, serve, ingest. */
export function registerCollectorCommands(program: Command): void {
  program
    .command('parse')
    .description('parse console/dmesg logs ("-" = stdin); --json prints the contract object')
    .argument('<files...>', 'log files, or - for standard input')
    .option('--json', 'print the parse object (JSON Lines with several files)')
    .option('--init-script', 'the /init was a script: order exec-failure hints accordingly')
    .action(async (files: string[], opts: { json?: boolean; initScript?: boolean }) => {
      const { parseCommand } = await import('./cli/parse-command.ts');
      await parseCommand(files, opts);
    });
}
