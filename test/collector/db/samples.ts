/** Inputs made for storage and API tests: builds and consoles no kernel would print on purpose. */
import type { BuildInput } from '../../../common/types/ingest.ts';
import type { BootEvent } from '../../../common/types/parse.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

/** A build of `variant` with the given .config, sizes and symbol sizes. */
export function build(
  variant: string,
  o: {
    config?: string;
    symbols?: Record<string, number>;
    sizes?: BuildInput['sizes'];
    startedAt?: string;
  } = {},
): BuildInput {
  return {
    variant,
    status: 'PASS',
    startedAt: o.startedAt ?? '2026-01-01T00:00:00Z',
    config: o.config ?? `CONFIG_${variant.toUpperCase().replace(/\W/g, '_')}=y\n`,
    baseConfig: 'allnoconfig',
    fragments: [{ name: '01-serial.config', content: 'CONFIG_SERIAL_8250=y\n' }],
    sizes: o.sizes ?? { image: 1_487_360, vmlinux: 4_000_000, text: 900_000, data: 200_000, bss: 100_000 },
    symbols: Object.entries(o.symbols ?? { start_kernel: 100 }).map(([name, size]) => ({
      name,
      type: 't',
      size,
    })),
    warnings: ['init/main.c:1: warning: unused variable'],
    dropped: [{ option: 'CONFIG_E1000', requested: 'y', actual: null, reason: 'depends on PCI' }],
    wallMs: 80_000,
    userMs: 150_000,
    sysMs: 20_000,
    systemMap: 'ffffffff81000000 T _text\n',
  };
}

/** A real log with junk spliced in: invalid UTF-8, NULs, escapes, CRs and a 3 MB line. */
export function awkwardConsole(): Buffer {
  const real = fixtureBytes('logs/03-exec-no-net.log');
  const cut = real.indexOf('\n', real.length >> 1) + 1;
  return Buffer.concat([
    real.subarray(0, cut),
    Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0d, 0x0a]),
    Buffer.alloc(3 << 20, 0x41),
    Buffer.from('\n\u00e9\u{1F600} after the long line \x00\x01\x02 bin\r\n'),
    real.subarray(cut),
    Buffer.from([0xe2, 0x82]), // a UTF-8 sequence cut off at the very end
  ]);
}

/**
 * Events no parser run makes but storage must still cover: NULs and lone surrogates (not
 * storable as they are), unicode, escapes, a text that only looks like an escape, a NUL in a
 * key, nulls, NaN, tiny and large times, a 300 kB message, values of the wrong type.
 */
export function awkwardEvents(): BootEvent[] {
  return [
    {
      kind: 'userspace',
      line: 1,
      time: null,
      text: 'a\u0000b \uD83D c \uDE00 d \uD83D\uDE00 e\ttab\\back\nnl',
    },
    { kind: 'probe', line: 2, time: 0.000001, driver: 'e1000', device: '0000:00:03.0', ok: false },
    {
      kind: 'missing_config',
      line: 3,
      time: 12345.678901,
      option: 'CONFIG_EXT4_FS',
      message: 'ünïcødé ✓ 🐧',
    },
    { kind: 'milestone', line: 4, time: Number.NaN, name: 'init_start' },
    { kind: 'error', line: 5, time: 1e-7, errno: -2, errnoName: 'ENOENT', message: 'x'.repeat(300_000) },
    { kind: 'error', line: 6, time: null, errno: 'not a number', errnoName: 7, message: true },
    { kind: 'userspace', line: 7, time: 2.5, text: 'C:\\users\\u0000 is no escape \u0001\u001f' },
    { kind: 'probe', line: 8, time: 3, driver: 'ahci\u0000', device: null, ok: true, 'we\u0000ird': 'key' },
  ] as unknown as BootEvent[];
}
