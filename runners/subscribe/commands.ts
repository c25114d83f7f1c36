import type { Command } from 'commander';
import { ALERT_CHANNELS, ALERT_KINDS } from '../../common/alert-kinds.ts';

const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
const collectorOption = '--collector <url>';
const collectorHelp = 'collector base URL (default $BOOTWATCH_COLLECTOR, else the embedded database)';

/** `bootwatch subscribe add|list|remove|deliveries`: alert subscriptions at a collector, as BOOTWATCH_TOKEN. */
export function registerSubscribeCommand(program: Command): void {
  const sub = program
    .command('subscribe')
    .description('alert subscriptions (mail, webhooks) at a collector, owned by BOOTWATCH_TOKEN');
  sub
    .command('add')
    .description('subscribe; prints the new subscription (and a webhook secret, once)')
    .requiredOption('--name <name>', 'what it is for, e.g. "exec owners"')
    .requiredOption(
      '--event <kinds>',
      `what to be told: ${ALERT_KINDS.join(', ')} (comma-separated, repeatable)`,
      list,
    )
    .requiredOption('--channel <channel>', ALERT_CHANNELS.join(', '))
    .requiredOption('--to <target>', 'mail addresses (comma-separated), or the http(s) URL to post to')
    .option('--variant <globs>', 'variant name globs (default: all)', list)
    .option('--matrix <globs>', 'matrix name globs (default: all)', list)
    .option('--arch <globs>', 'architecture globs (default: all)', list)
    .option('--size-over <bytes>', 'size_over only when the image grew by at least this much', (v) =>
      Number(v),
    )
    .option(collectorOption, collectorHelp)
    .option('--json', 'print the answer as JSON')
    .action(async (opts: import('./subscribe-command.ts').AddOptions) => {
      const { subscribeAdd } = await import('./subscribe-command.ts');
      await subscribeAdd(opts);
    });
  sub
    .command('list')
    .description("this token's subscriptions (an admin's: all)")
    .option(collectorOption, collectorHelp)
    .option('--json', 'print a JSON array')
    .action(async (opts: { collector?: string; json?: boolean }) => {
      const { subscribeList } = await import('./subscribe-command.ts');
      await subscribeList(opts);
    });
  sub
    .command('remove')
    .description('unsubscribe (its queued alerts and delivery history go too)')
    .argument('<id>', 'the subscription id (see list)')
    .option(collectorOption, collectorHelp)
    .action(async (id: string, opts: { collector?: string }) => {
      const { subscribeRemove } = await import('./subscribe-command.ts');
      await subscribeRemove(id, opts);
    });
  sub
    .command('deliveries')
    .description("a subscription's deliveries and every attempt, newest first")
    .argument('<id>', 'the subscription id')
    .option(collectorOption, collectorHelp)
    .option('--json', 'print a JSON array')
    .action(async (id: string, opts: { collector?: string; json?: boolean }) => {
      const { subscribeDeliveries } = await import('./subscribe-command.ts');
      await subscribeDeliveries(id, opts);
    });
}
