/** Console lines given `[ seconds.micros]` stamps from `start`, `step` seconds apart (a trailing newline). */
export function stamped(lines: string, start = 100, step = 0.000137): Buffer {
  const stamp = (i: number) => `[${(start + i * step).toFixed(6).padStart(12)}]`;
  return Buffer.from(
    `${lines
      .trim()
      .split('\n')
      .map((l, i) => `${stamp(i)} ${l}`)
      .join('\n')}\n`,
  );
}
