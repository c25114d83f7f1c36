/**
 * `bootwatch parse FILE... [--json]`: parse logs from files or stdin.
 * Exit 0 whenever the input could be read; 2 with a one-line reason when it could not.
 */
import { open } from 'node:fs/promises';
import { BootwatchError } from '../../common/errors.ts';
import type { ParseResult } from '../../common/types/parse.ts';
import { BootLogParser } from '../parser/index.ts';
import { formatSummary } from './parse-summary.ts';

/** Streams a file (or stdin for `-`) through the incremental parser. */
async function parseSource(file: string, initIsScript: boolean): Promise<ParseResult> {
  const parser = new BootLogParser({ context: initIsScript ? { initIsScript } : {} });
  if (file === '-') {
    for await (const chunk of process.stdin) parser.push(chunk as Uint8Array);
  } else {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) {
        await handle.close();
        throw new BootwatchError('input.unreadable', `${file}: is a directory`);
      }
    } catch (err) {
      if (err instanceof BootwatchError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new BootwatchError('input.unreadable', `${file}: ${why}`);
    }
    try {
      for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 }))
        parser.push(chunk as Uint8Array);
    } catch (err) {
      throw new BootwatchError('input.unreadable', `${file}: ${(err as Error).message}`);
    } finally {
      await handle.close().catch(() => {});
    }
  }
  parser.end();
  return parser.result();
}

export async function parseCommand(
  files: string[],
  opts: { json?: boolean; initScript?: boolean },
): Promise<void> {
  const many = files.length > 1;
  for (const file of files) {
    const result = await parseSource(file, opts.initScript === true);
    if (opts.json) {
      const obj = many ? { file, ...result } : result;
      process.stdout.write(`${JSON.stringify(obj, null, many ? undefined : 2)}\n`);
    } else {
      process.stdout.write(formatSummary(file, result));
    }
  }
}
