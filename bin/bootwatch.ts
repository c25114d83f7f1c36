/**
 * The bootwatch command line: parses arguments and hands off to the parts.
 * Each part registers its own commands so this file stays a table of contents.
 */
import { Command } from 'commander';
import { registerBenchCommand } from '../bench/commands.ts';
import { registerCollectorCommands } from '../collector/commands.ts';
import { exitCodeOf } from '../common/errors.ts';
import { checkSettings, setting } from '../common/settings.ts';
import { registerBisectCommand } from '../runners/bisect/register.ts';
import { registerClimbCommand } from '../runners/climb/register.ts';
import { registerRunnerCommands } from '../runners/commands.ts';
import { registerReportCommand } from '../runners/report/commands.ts';
import { registerSubscribeCommand } from '../runners/subscribe/commands.ts';

/** BOOTWATCH_DEBUG; off when it is itself what failed the settings check. */
function debugOn(): boolean {
  try {
    return setting('BOOTWATCH_DEBUG') ?? false;
  } catch {
    return false;
  }
}

const program = new Command();
program
  .name('bootwatch')
  .description('Boot-log observability and regression dashboard for the Linux kernel')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

registerCollectorCommands(program);
registerRunnerCommands(program);
registerReportCommand(program);
registerSubscribeCommand(program);
registerBisectCommand(program);
registerClimbCommand(program);
registerBenchCommand(program);

try {
  // A bad environment variable fails here, naming itself, before any command starts.
  checkSettings();
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`bootwatch: ${err instanceof Error ? err.message : String(err)}\n`);
  if (debugOn() && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(exitCodeOf(err));
}
