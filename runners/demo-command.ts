/**
 * `bootwatch demo`: the README's main job. Serves the collector and dashboard on the
 * embedded database, builds and boots the seed ladder into it, prints the table, and keeps
 * serving so the results can be browsed.
 */
import { fileURLToPath } from 'node:url';
import { runCommand } from './run-command.ts';

export interface DemoOptions {
  matrix?: string;
  host?: string;
  port?: string;
  /** Exit after the run instead of serving the dashboard until Ctrl-C. */
  exit?: boolean;
  only?: string[];
}

const DEFAULT_MATRIX = fileURLToPath(new URL('../examples/seed-ladder.yaml', import.meta.url));

/** Runs the demo; resolves to the exit code. */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const { buildApp } = await import('../collector/server/app.ts');
  const { listenOrExplain, untilSignal } = await import('../collector/cli/serve-command.ts');
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const port = Number(opts.port ?? process.env.PORT ?? '8080');
  const app = await buildApp({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
  const url = await listenOrExplain(app, host, port);
  process.stderr.write(
    `bootwatch: dashboard on ${url} (database: ${app.database.kind}, ${app.database.location})\n`,
  );
  try {
    await runCommand(opts.matrix ?? DEFAULT_MATRIX, { collector: url, only: opts.only });
    if (!opts.exit) {
      process.stderr.write(`bootwatch: the results are on ${url} — Ctrl-C to stop\n`);
      await untilSignal();
    }
    return 0;
  } finally {
    await app.close();
  }
}
