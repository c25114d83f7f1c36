/**
 * Development aid: plays a build and a boot into a running collector the way a runner
 * does (build progress, then a console streamed a few lines at a time), to watch the Live
 * view. `npx tsx test/dashboard/simulate-live.ts http://127.0.0.1:PORT [log] [ms-per-line]`
 */
import { fixtureBytes } from '../helpers/fixtures.ts';
import { post } from './helpers/seed.ts';

const [base, log = 'logs/05-net-e1000.log', pace = '40'] = process.argv.slice(2);
if (!base) {
  process.stderr.write('usage: simulate-live.ts BASE_URL [fixture-log] [ms-per-line]\n');
  process.exit(2);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const variant = 'live-demo';

for (const [phase, percent, message] of [
  ['config', 0, 'merging config fragments'],
  ['compile', 35, 'CC      kernel/fork.o'],
  ['compile', 80, 'LD      vmlinux'],
  ['artifacts', 100, 'sizes and symbols'],
] as const) {
  await post(base, '/api/builds/progress', { variant, phase, percent, message });
  await sleep(600);
}
const { id } = await post<{ id: number }>(base, '/api/boots', {
  variant,
  target: 'qemu',
  accel: 'kvm',
  initIsScript: true,
});
process.stdout.write(`boot ${id}\n`);
const bytes = fixtureBytes(log);
let offset = 0;
while (offset < bytes.length) {
  let end = offset;
  for (let n = 0; n < 3 && end < bytes.length; n++) end = bytes.indexOf(10, end) + 1 || bytes.length;
  await post(base, `/api/boots/${id}/console?offset=${offset}`, new Uint8Array(bytes.subarray(offset, end)));
  offset = end;
  await sleep(Number(pace));
}
await post(base, `/api/boots/${id}/finish`, { endReason: 'marker', consoleBytes: bytes.length });
process.stdout.write('finished\n');
