/**
 * A real agent (runners/agent/agent.ts on the real queue and collector) in a process of its
 * own, so a test can SIGKILL it mid-job; only its bisect jobs' kernels are simulated (the
 * oracle of test/helpers/bisect-oracle.ts, each evaluation taking `delayMs`).
 * `node --import tsx sim-agent.ts DATABASE_URL NAME DELAY_MS`
 */
import { join } from 'node:path';
import { runAgent } from '../../../runners/agent/agent.ts';
import { cacheDir } from '../../../runners/paths.ts';
import { netOracle, oracleToolchain } from '../../helpers/bisect-oracle.ts';

const [databaseUrl, name, delay] = process.argv.slice(2);
await runAgent({
  databaseUrl,
  collectorUrl: null,
  name,
  capabilities: { arches: ['x86_64'], qemu: true, kvm: false, ec2: false, maxJobs: 1 },
  heartbeatMs: 500,
  staleMs: 3000,
  pollMs: 200,
  bisectToolchain: oracleToolchain(netOracle(Number(delay)), join(cacheDir(), 'sim')),
});
