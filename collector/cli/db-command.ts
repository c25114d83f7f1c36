/**
 * `bootwatch db prune`: removes old history on the database `serve` uses. With the embedded
 * database held by a running collector, the request goes through that collector's control
 * socket (as `token` does); otherwise the database is opened here.
 */
import { join, resolve } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import {
  callControlSocket,
  controlSocketPath,
  type PruneRequest,
  runControlRequest,
  unwrap,
} from '../auth/control-socket.ts';
import { defaultDataDir, openDatabase } from '../db/client.ts';
import type { PruneReport } from '../db/queries/retention.ts';

export interface PruneCommandOptions {
  olderThan: string;
  keepBaselines?: boolean;
  dryRun?: boolean;
  json?: boolean;
  data?: string;
}

const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** A prune of a long history may take minutes; the socket waits that long. */
const PRUNE_TIMEOUT_MS = 30 * 60_000;

/** `90d`, `12w`, `36h` in milliseconds; `input.invalid` for anything else. */
function parseAge(text: string): number {
  const m = /^(\d{1,6})([hdw])$/.exec(text.trim());
  if (!m)
    throw new BootwatchError(
      'input.invalid',
      `--older-than takes a number and h, d or w (e.g. 90d), not "${text}"`,
    );
  return Number(m[1]) * UNITS[m[2]];
}

export async function pruneCommand(opts: PruneCommandOptions): Promise<void> {
  const req: PruneRequest = {
    op: 'prune',
    olderThanMs: parseAge(opts.olderThan),
    keepBaselines: opts.keepBaselines === true,
    dryRun: opts.dryRun === true,
  };
  const dataDir = resolve(opts.data ?? defaultDataDir());
  let res = setting('DATABASE_URL')
    ? null
    : await callControlSocket(controlSocketPath(join(dataDir, 'pglite')), req, PRUNE_TIMEOUT_MS);
  if (!res) {
    const database = await openDatabase({ dataDir });
    try {
      res = await runControlRequest(database.db, req);
    } finally {
      await database.close();
    }
  }
  const report = unwrap(res).prune!;
  process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : describePrune(report));
}

/** What a prune removed (or would), and the old rows it kept and why, for a person. */
function describePrune(r: PruneReport): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const kept = (m: Record<string, string>) => {
    const by = new Map<string, string[]>();
    for (const [id, why] of Object.entries(m)) by.set(why, [...(by.get(why) ?? []), id]);
    return [...by]
      .map(([why, list]) => `${list.length} (${why.replaceAll('_', ' ')}: ${idList(list)})`)
      .join(', ');
  };
  const lines = [
    `bootwatch db prune: history before ${r.cutoff}${r.dryRun ? ' (dry run: nothing removed)' : ''}`,
    `${verb} ${r.boots.length} boots${r.boots.length ? ` (${idList(r.boots)})` : ''}, ${r.events} events, ${r.consoleBytes} console bytes stored`,
    `${verb} ${r.builds.length} builds${r.builds.length ? ` (${idList(r.builds)})` : ''}`,
  ];
  if (Object.keys(r.keptBoots).length) lines.push(`kept old boots: ${kept(r.keptBoots)}`);
  if (Object.keys(r.keptBuilds).length) lines.push(`kept old builds: ${kept(r.keptBuilds)}`);
  return `${lines.join('\n')}\n`;
}

/** Ids as `1-4, 9`, at most 20 ranges. */
function idList(list: (number | string)[]): string {
  const ids = list.map(Number).sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    ranges.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return ranges.length > 20 ? `${ranges.slice(0, 20).join(', ')}, ...` : ranges.join(', ');
}
