import { accessFromSettings } from '../collector/auth/access-options.ts';
import { type Arch, DEFAULT_ARCH } from '../common/arch.ts';
import { BootwatchError } from '../common/errors.ts';
import { fromRoot } from '../common/repo-root.ts';
import { setting } from '../common/settings.ts';
import { runCommand } from './run-command.ts';

export interface DemoOptions {
  matrix?: string;
  /** Which architecture's seed ladder (when no --matrix is given). */
  arch?: Arch;
  host?: string;
  port?: string;
  /** Exit after the run instead of serving the dashboard until Ctrl-C. */
  exit?: boolean;
  only?: string[];
}

/** Each arch's seed ladder: x86_64's is the README's demo. */
function seedLadder(arch: Arch): string {
  return fromRoot('examples', arch === DEFAULT_ARCH ? 'seed-ladder.yaml' : `seed-ladder-${arch}.yaml`);
}

/** Runs the demo; resolves to the exit code. */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const { buildApp } = await import('../collector/server/app.ts');
  const { describeAccess, listenOrExplain, untilSignal } = await import('../collector/cli/serve-command.ts');
  const host = opts.host ?? setting('HOST') ?? '127.0.0.1';
  const port = Number(opts.port ?? setting('PORT') ?? '8080');
  const access = accessFromSettings(host);
  // The demo's own runner is a client like any other: with auth on it needs a token too.
  if (access.auth && !setting('BOOTWATCH_TOKEN'))
    throw new BootwatchError(
      'input.invalid',
      `the demo on ${host} has auth on: set BOOTWATCH_TOKEN to a submit token ('bin/bootwatch token create --name demo --scope submit'), or run it on 127.0.0.1`,
    );
  const app = await buildApp({ logger: { level: setting('LOG_LEVEL') ?? 'warn' }, access });
  const url = await listenOrExplain(app, host, port);
  process.stderr.write(
    `bootwatch: dashboard on ${url} (database: ${app.database.kind}, ${app.database.location})\n`,
  );
  process.stderr.write(`bootwatch: ${describeAccess(access)}\n`);
  try {
    await runCommand(opts.matrix ?? seedLadder(opts.arch ?? DEFAULT_ARCH), {
      collector: url,
      only: opts.only,
    });
    if (!opts.exit) {
      process.stderr.write(`bootwatch: the results are on ${url} — Ctrl-C to stop\n`);
      await untilSignal();
    }
    return 0;
  } finally {
    await app.close();
  }
}
