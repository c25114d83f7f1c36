/** Build progress on the terminal: a cli-progress bar on a TTY, a line per phase otherwise. */
import cliProgress from 'cli-progress';
import type { BuildProgress } from './build/build-kernel.ts';

export interface ProgressView {
  update(variant: string, p: BuildProgress): void;
  stop(): void;
}

export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  let bar: cliProgress.SingleBar | null = null;
  let lastPhase = '';
  const tty = stream.isTTY;
  return {
    update(variant, p) {
      if (tty && p.phase === 'compile') {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: `${variant.padEnd(16)} [{bar}] {percent}% {step}`,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(100, 0, { step: '' });
        }
        bar.update(p.percent ?? 0, { step: (p.message ?? '').slice(0, 40) });
        return;
      }
      if (bar && (p.phase === 'done' || p.phase === 'failed' || p.phase === 'artifacts')) {
        bar.stop();
        bar = null;
      }
      const key = `${variant}:${p.phase}`;
      if (key !== lastPhase) {
        lastPhase = key;
        stream.write(
          `${variant}: ${p.phase}${p.message && p.phase !== 'compile' ? ` — ${p.message}` : ''}\n`,
        );
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
