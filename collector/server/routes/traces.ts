/**
 * A boot's crash reports symbolized like scripts/decode_stacktrace.sh: frames mapped through
 * the build's stored System.map, and to file:line with addr2line when the build's vmlinux
 * (with debug info) is still on this host.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BootwatchError } from '../../../common/errors.ts';
import { BootTraces as Traces } from '../../../common/schemas/traces.ts';
import { addr2line, hasAddr2line } from '../../analysis/addr2line.ts';
import {
  basePathFrom,
  decodeLines,
  frameAddress,
  parseSystemMap,
  reportAddresses,
} from '../../analysis/symbolize.ts';
import { getBootFacts, getBootSummary } from '../../db/queries/boots.ts';
import { buildOutDir, getSystemMap } from '../../db/queries/symbols.ts';
import { errors, IdParams } from '../schemas/common.ts';
import type { App } from '../types.ts';

export async function traceRoutes(app: App): Promise<void> {
  app.get(
    '/api/boots/:id/traces',
    {
      schema: {
        tags: ['boots'],
        summary:
          "the boot's crash reports with frames decoded to addresses and file:line (decode_stacktrace.sh)",
        params: IdParams,
        response: { 200: Traces, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const db = app.database.db;
      const id = req.params.id;
      const [summary, facts] = await Promise.all([getBootSummary(db, id), getBootFacts(db, id)]);
      if (!summary || !facts) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
      const crashes = facts.result?.crashes ?? [];
      const text = summary.buildId != null ? await getSystemMap(db, summary.buildId) : null;
      const map = parseSystemMap(text ?? '');
      const outDir = summary.buildId != null ? await buildOutDir(db, summary.buildId) : null;
      const vmlinux = outDir && existsSync(join(outDir, 'vmlinux')) ? join(outDir, 'vmlinux') : null;
      let lines = new Map<string, string[]>();
      let base: string | null = null;
      if (vmlinux && text && crashes.length && (await hasAddr2line())) {
        const init = frameAddress(map, { fn: 'kernel_init', offset: 0, length: null });
        const addrs = [...new Set(crashes.flatMap((c) => reportAddresses(c.report, map)))];
        lines = await addr2line(vmlinux, init ? [init.address, ...addrs] : addrs).catch(() => new Map());
        base = init ? basePathFrom(lines.get(`0x${init.address.toString(16).padStart(16, '0')}`)) : null;
      }
      return {
        bootId: id,
        buildId: summary.buildId,
        systemMap: text != null,
        vmlinux,
        crashes: crashes.map((c) => ({
          title: c.title,
          line: c.line,
          lines: decodeLines(c.report, map, lines, base).map((d, i) =>
            'fn' in d
              ? { text: c.report[i], decoded: d.decoded, address: d.address, locations: d.locations }
              : { text: d.text, decoded: d.text, address: null, locations: [] },
          ),
        })),
      };
    },
  );
}
