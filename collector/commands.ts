import type { Command } from 'commander';

/** Commands served by the collector part: parse, serve (ingest, a client of it, is the runners'). */
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

  program
    .command('serve')
    .description(
      'collector and dashboard on HOST:PORT (default 127.0.0.1:8080); embedded database unless DATABASE_URL',
    )
    .option('--host <host>', 'address to listen on (default $HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default $PORT or 8080)')
    .option('--data <dir>', 'embedded database directory (default $BOOTWATCH_DATA or .bootwatch/)')
    .option('--log-level <level>', 'server log level: fatal, error, warn, info, debug (default warn)')
    .action(async (opts: { host?: string; port?: string; data?: string; logLevel?: string }) => {
      const { serveCommand } = await import('./cli/serve-command.ts');
      await serveCommand({ ...opts, dataDir: opts.data });
    });

  const token = program
    .command('token')
    .description('access tokens for a shared collector (on the database serve uses; works while it runs)');
  token
    .command('create')
    .description("make a token; prints it alone on stdout's last line, once (only a hash is stored)")
    .requiredOption('--name <name>', 'who or what uses it, e.g. lab-runner-1 or alice')
    .requiredOption('--scope <scope>', 'read, submit (runners) or admin')
    .option('--data <dir>', 'embedded database directory (default $BOOTWATCH_DATA or .bootwatch/)')
    .option('--json', 'print {name, scope, createdAt, token} as JSON')
    .action(async (opts: { name: string; scope: string; data?: string; json?: boolean }) => {
      const { tokenCreateCommand } = await import('./cli/token-command.ts');
      await tokenCreateCommand(opts);
    });
  token
    .command('list')
    .description('live tokens: name, scope, created and last-used times (never the secret)')
    .option('--data <dir>', 'embedded database directory (default $BOOTWATCH_DATA or .bootwatch/)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { data?: string; json?: boolean }) => {
      const { tokenListCommand } = await import('./cli/token-command.ts');
      await tokenListCommand(opts);
    });
  token
    .command('revoke')
    .description('the token stops working at once (what it submitted keeps its name)')
    .argument('<name>', 'the token to revoke')
    .option('--data <dir>', 'embedded database directory (default $BOOTWATCH_DATA or .bootwatch/)')
    .action(async (name: string, opts: { data?: string }) => {
      const { tokenRevokeCommand } = await import('./cli/token-command.ts');
      await tokenRevokeCommand(name, opts);
    });

  program
    .command('db')
    .description('the history database (the one serve uses; works while it runs)')
    .command('prune')
    .description(
      "remove boots and builds older than a duration, with their events and consoles; never a pinned baseline, an open regression's, an issue's first/last or a bisection's boots, nor a running boot",
    )
    .requiredOption('--older-than <age>', 'e.g. 90d, 12w or 36h')
    .option('--keep-baselines', "also keep each variant's last good boot and last passing build, however old")
    .option('--dry-run', 'print what would be removed, remove nothing')
    .option('--json', 'print the report as JSON')
    .option('--data <dir>', 'embedded database directory (default $BOOTWATCH_DATA or .bootwatch/)')
    .action(
      async (opts: {
        olderThan: string;
        keepBaselines?: boolean;
        dryRun?: boolean;
        json?: boolean;
        data?: string;
      }) => {
        const { pruneCommand } = await import('./cli/db-command.ts');
        await pruneCommand(opts);
      },
    );
}
