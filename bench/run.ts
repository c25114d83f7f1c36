/**
 * Benchmark driver. Each benchmark module exports `name`s and a function that prints
 * figures through `report`; speed targets live here, never in timed tests.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Target the figure should meet, printed alongside for the reader. */
  target?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(report: (f: Figure) => void): Promise<void>;
}

/** Loaded lazily so one broken benchmark does not stop the others. */
const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  'cli-start': async () => (await import('./cli-start.ts')).cliStartBenchmark,
  parser: async () => (await import('./parser.ts')).parserBenchmark,
  issues: async () => (await import('./issues.ts')).issuesBenchmark,
  ingest: async () => (await import('./ingest.ts')).ingestBenchmark,
  storage: async () => (await import('./storage.ts')).storageBenchmark,
  'import-readers': async () => (await import('./import-readers.ts')).importReadersBenchmark,
  'runner-feed': async () => (await import('./runner-latency.ts')).feedBenchmark,
  'runner-verdict': async () => (await import('./runner-latency.ts')).verdictBenchmark,
  'runner-overhead': async () => (await import('./runner-overhead.ts')).overheadBenchmark,
  dashboard: async () => (await import('./dashboard.ts')).dashboardBenchmark,
  'streaming-load': async () => (await import('./streaming-load.ts')).streamingLoadBenchmark,
  'feed-fanout': async () => (await import('./feed-fanout.ts')).feedFanoutBenchmark,
  alerts: async () => (await import('./alerts.ts')).alertsBenchmark,
  'cluster-feed': async () => (await import('./cluster-feed.ts')).clusterFeedBenchmark,
  climb: async () => (await import('./climb.ts')).climbBenchmark,
  'agent-stop': async () => (await import('./agent-stop.ts')).agentStopBenchmark,
};

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

export async function runBenchmarks(opts: { only?: string[] }): Promise<void> {
  const names = opts.only?.length ? opts.only : Object.keys(BENCHMARKS);
  let failed = 0;
  for (const name of names) {
    const load = BENCHMARKS[name];
    if (!load) throw new Error(`unknown benchmark "${name}" (have: ${Object.keys(BENCHMARKS).join(', ')})`);
    try {
      const bench = await load();
      await bench.run((f) => {
        const target = f.target ? `  (target ${f.target})` : '';
        process.stdout.write(`${f.name}: ${formatValue(f.value)} ${f.unit}${target}\n`);
      });
    } catch (err) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}
