import { type Command, Option } from 'commander';
import { ARCHES, type Arch } from '../common/arch.ts';
import { setting } from '../common/settings.ts';
import { registerEc2Commands } from './ec2/register.ts';

interface AgentCliOptions {
  collector?: string;
  database?: string;
  name?: string;
  once?: boolean;
  heartbeatMs: number;
  staleMs: number;
  arch?: string;
  kvm: boolean;
  ec2?: boolean;
  maxJobs?: number;
}

/** Commands that build and boot kernels: run, spool, submit, agent. */
export function registerRunnerCommands(program: Command): void {
  program
    .command('run')
    .description(
      'build and boot every variant of a matrix file, streaming to the collector; exit 1 on a regression',
    )
    .argument('<matrix>', 'matrix YAML file (see examples/seed-ladder.yaml)')
    .option('--collector <url>', 'collector base URL (default: the embedded database, in-process)')
    .option('--only <variants>', 'comma-separated variant names')
    .option('-j, --jobs <n>', 'make -j (default: CPU count)', (v) => Number(v))
    .option('--json', 'print the results as JSON instead of the table')
    .action(
      async (file: string, opts: { collector?: string; only?: string; jobs?: number; json?: boolean }) => {
        const { runCommand } = await import('./run-command.ts');
        process.exitCode = await runCommand(file, {
          ...opts,
          only: opts.only?.split(',').map((s) => s.trim()),
        });
      },
    );
  program
    .command('images')
    .description(
      "make every image a matrix's variants boot with (initramfs, root disk, a debootstrap root), no kernel",
    )
    .argument('<matrix>', 'matrix YAML file')
    .option('--only <variants>', 'comma-separated variant names')
    .action(async (file: string, opts: { only?: string }) => {
      const { imagesCommand } = await import('./images-command.ts');
      process.exitCode = await imagesCommand(file, { only: opts.only?.split(',').map((s) => s.trim()) });
    });
  program
    .command('demo')
    .description('serve the dashboard on the embedded database and build + boot the seed ladder into it')
    .option('--matrix <file>', 'matrix to run (default examples/seed-ladder.yaml)')
    .addOption(
      new Option('--arch <arch>', "run that architecture's seed ladder (examples/seed-ladder-ARCH.yaml)")
        .choices([...ARCHES])
        .conflicts('matrix'),
    )
    .option('--only <variants>', 'comma-separated variant names')
    .option('--host <host>', 'address to listen on (default $HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default $PORT or 8080)')
    .option('--exit', 'exit after the run instead of serving until Ctrl-C')
    .action(
      async (opts: {
        matrix?: string;
        arch?: Arch;
        only?: string;
        host?: string;
        port?: string;
        exit?: boolean;
      }) => {
        const { demoCommand } = await import('./demo-command.ts');
        process.exitCode = await demoCommand({ ...opts, only: opts.only?.split(',').map((s) => s.trim()) });
      },
    );
  program
    .command('ingest')
    .description(
      'store console logs (and build metadata) at a collector, or without --collector in the database',
    )
    .argument('<files...>', 'console/dmesg logs, or - for standard input')
    .option(
      '--collector <url>',
      'collector to send to, e.g. http://127.0.0.1:8080 (default: the embedded database)',
    )
    .option('--variant <name>', 'variant the boots belong to')
    .option(
      '--build-json <file>',
      'build metadata (a BuildInput as JSON) stored first; the boots point at it',
    )
    .option('--target <target>', 'boot target: import, qemu or ec2 (default import)')
    .option('--init-script', 'the /init was a script: sharper diagnosis')
    .option('--json', 'print one JSON object per stored build/boot')
    .action(async (files: string[], opts: import('../collector/cli/ingest-command.ts').IngestOptions) => {
      const { ingestCommand } = await import('../collector/cli/ingest-command.ts');
      const { SpooledLogUpload } = await import('./log-upload.ts');
      // Sent to a collector like a run's results: spooled first, so an absent collector loses nothing.
      await ingestCommand(files, opts, (url) => new SpooledLogUpload(url));
    });
  program
    .command('spool')
    .description('re-send what the runner spooled to disk while the collector was away')
    .argument('<action>', 'flush | list')
    .option('--collector <url>', 'collector base URL (default: the embedded database, in-process)')
    .action(async (action: string, opts: { collector?: string }) => {
      const { spoolCommand } = await import('./run-command.ts');
      process.exitCode = await spoolCommand(action, opts);
    });
  program
    .command('submit')
    .description("queue every variant of a matrix as jobs for the agents (the collector's job queue)")
    .argument('<matrix>', 'matrix YAML file')
    .option(
      '--collector <url>',
      'collector whose job queue takes them (with BOOTWATCH_TOKEN, a submit token)',
    )
    .option(
      '--database <url>',
      'PostgreSQL holding the job queue (default: DATABASE_URL)',
      setting('DATABASE_URL'),
    )
    .option('--only <variants>', 'comma-separated variant names')
    .action(async (file: string, opts: { database?: string; collector?: string; only?: string }) => {
      const { submitCommand } = await import('./agent/agent-command.ts');
      process.exitCode = await submitCommand(file, {
        database: opts.database,
        collector: opts.collector,
        only: opts.only?.split(',').map((s) => s.trim()),
      });
    });
  program
    .command('agent')
    .description("lease build/boot and bisect jobs from the collector's job queue and run them")
    .option(
      '--collector <url>',
      'collector to lease jobs from (with BOOTWATCH_TOKEN, a submit token) and send results to',
      setting('BOOTWATCH_COLLECTOR'),
    )
    .option('--database <url>', 'lease straight from the queue on this PostgreSQL instead of the API')
    .option('--name <name>', 'agent name (default: host-pid)')
    .option('--once', 'exit after one job')
    .option('--arch <list>', 'comma-separated architectures it runs (default: the host’s)')
    .option('--no-kvm', 'never take jobs that need KVM, even when /dev/kvm opens')
    .option('--ec2', 'this host holds EC2 credentials: take EC2 jobs')
    .option('--max-jobs <n>', 'jobs run at once', (v) => Number(v), 1)
    .option('--heartbeat-ms <ms>', 'lease heartbeat interval', (v) => Number(v), 5000)
    .option(
      '--stale-ms <ms>',
      'reap a lease (retry its job elsewhere) after this long without a beat',
      (v) => Number(v),
      30_000,
    )
    .action(async (opts: AgentCliOptions) => {
      const { agentCommand } = await import('./agent/agent-command.ts');
      process.exitCode = await agentCommand({ ...opts, arches: opts.arch?.split(',').map((s) => s.trim()) });
    });
  registerEc2Commands(program);
}
