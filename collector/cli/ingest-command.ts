/**
 * `bootwatch ingest FILE... [--collector URL]`: store console logs (and a build's
 * metadata) at a collector (through the sink the runners give, which spools), or without
 * --collector straight into the database.
 * Prints one line per stored boot: `FILE: boot ID OUTCOME`.
 */
import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { BootwatchError } from '../../common/errors.ts';
import type { BootTarget, BuildInput } from '../../common/types/ingest.ts';
import { openDatabase } from '../db/client.ts';
import { Collector } from '../ingest/collector.ts';
import { BuildInputSchema, TARGETS } from '../server/schemas/ingest.ts';

export interface IngestOptions {
  collector?: string;
  variant?: string;
  buildJson?: string;
  target?: string;
  initScript?: boolean;
  json?: boolean;
}

/** Where ingested things go: a collector over HTTP, or the database in-process. */
export interface IngestSink {
  /** The build's id; null when it was kept to be sent later (the collector is away). */
  recordBuild(input: BuildInput): Promise<number | null>;
  /** The stored boot; null when the log was kept to be sent later. */
  importLog(
    bytes: Uint8Array,
    opts: {
      file: string;
      variant: string | null;
      buildId: number | null;
      target: BootTarget;
      initIsScript?: boolean;
    },
  ): Promise<{ id: number; outcome: string } | null>;
  close(): Promise<void>;
  /** Why the last log was kept to be sent later (the collector's error). */
  readonly awayReason?: string | null;
}

/** Makes the sink for `--collector URL`: the runners' spooling client (runners/log-upload.ts). */
export type RemoteSink = (url: string) => IngestSink;

export async function ingestCommand(
  files: string[],
  opts: IngestOptions,
  remote?: RemoteSink,
): Promise<void> {
  const target = (opts.target ?? 'import') as BootTarget;
  if (!TARGETS.includes(target))
    throw new BootwatchError(
      'input.invalid',
      `--target must be one of ${TARGETS.join(', ')}, not "${opts.target}"`,
    );
  // Read everything first: a missing file fails the command before anything is stored.
  const build = opts.buildJson ? await readBuildJson(opts.buildJson, opts.variant) : null;
  const logs = await Promise.all(files.map(async (f) => ({ file: f, bytes: await readInput(f) })));
  if (opts.collector && !remote)
    throw new BootwatchError('internal', 'ingest --collector needs a remote sink');
  const sink = opts.collector && remote ? remote(opts.collector) : await openEmbedded();
  let kept = 0;
  try {
    let buildId: number | null = null;
    if (build) {
      buildId = await sink.recordBuild(build);
      print(
        opts,
        { build: buildId, variant: build.variant },
        `${opts.buildJson}: ${buildId == null ? 'build spooled' : `build ${buildId}`} (${build.variant})`,
      );
    }
    const variant = opts.variant ?? build?.variant ?? null;
    for (const { file, bytes } of logs) {
      const boot = await sink.importLog(bytes, {
        file,
        variant,
        buildId,
        target,
        initIsScript: opts.initScript,
      });
      if (!boot) kept++;
      if (boot)
        print(opts, { file, id: boot.id, outcome: boot.outcome }, `${file}: boot ${boot.id} ${boot.outcome}`);
      else print(opts, { file, spooled: true }, `${file}: spooled`);
    }
  } finally {
    await sink.close();
  }
  if (kept)
    throw new BootwatchError(
      'collector.unreachable',
      `cannot reach the collector at ${opts.collector}: ${sink.awayReason ?? 'no answer'}; ` +
        `${kept === 1 ? '1 log is' : `${kept} logs are`} spooled and 'bootwatch spool flush --collector ${opts.collector}' sends ${kept === 1 ? 'it' : 'them'}`,
    );
}

function print(opts: IngestOptions, json: object, text: string): void {
  process.stdout.write(`${opts.json ? JSON.stringify(json) : text}\n`);
}

async function openEmbedded(): Promise<IngestSink> {
  const database = await openDatabase();
  const collector = new Collector(database);
  return {
    recordBuild: (input) => collector.recordBuild(input),
    importLog: (bytes, o) => collector.importLog(bytes, o),
    close: async () => {
      await collector.settle();
      await database.close();
    },
  };
}

/** A file's bytes, or stdin's for `-`; `input.unreadable` with the reason otherwise. */
async function readInput(file: string): Promise<Buffer> {
  try {
    if (file === '-') {
      const parts: Buffer[] = [];
      for await (const chunk of process.stdin) parts.push(chunk as Buffer);
      return Buffer.concat(parts);
    }
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (err as Error).message;
    throw new BootwatchError('input.unreadable', `${file}: ${why}`);
  }
}

/** The build metadata file (a BuildInput as JSON); `--variant` overrides its variant. */
async function readBuildJson(file: string, variant: string | undefined): Promise<BuildInput> {
  const text = (await readInput(file)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BootwatchError('input.invalid', `${file}: not JSON (${(err as Error).message})`);
  }
  if (variant && value && typeof value === 'object') value = { ...value, variant };
  if (!Value.Check(BuildInputSchema, value)) {
    const first = Value.Errors(BuildInputSchema, value).First();
    throw new BootwatchError(
      'input.invalid',
      `${file}: ${first?.path || '/'} ${first?.message ?? 'is not a build'}`,
    );
  }
  return value as BuildInput;
}
