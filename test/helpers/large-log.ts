/** A real boot log padded to a given size with kernel-style lines: for imports that take a while. */
import { fixtureBytes } from './fixtures.ts';

/** About `bytes` long: a real log's head, numbered filler lines, then the log's tail. */
export function largeLog(bytes: number, fixture = 'logs/05-net-e1000.log'): Buffer {
  const real = fixtureBytes(fixture);
  const cut = real.indexOf('\n', real.length >> 1) + 1;
  const filler: string[] = [];
  let size = real.length;
  for (let i = 0; size < bytes; i++) {
    const line = `[    1.${String(i % 1_000_000).padStart(6, '0')}] bootwatch filler ${i}: some driver said something ordinary\n`;
    filler.push(line);
    size += line.length;
  }
  return Buffer.concat([real.subarray(0, cut), Buffer.from(filler.join('')), real.subarray(cut)]);
}
