/**
 * Every environment variable bootwatch reads, declared once: its name, default, meaning and
 * how it is checked. Code reads settings through `setting()`, never `process.env` directly,
 * so a bad value fails at start with a message that names the variable.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BootwatchError } from './errors.ts';

interface Declared<T> {
  /** What it means, for the README table and `--help`. */
  description: string;
  /** The default as a person would write it (documentation only). */
  shown?: string;
  parse(raw: string | undefined): T;
}

const text =
  (fallback?: string) =>
  (raw: string | undefined): string | undefined =>
    raw === undefined || raw === '' ? fallback : raw;

const textOr =
  (fallback: string) =>
  (raw: string | undefined): string =>
    raw === undefined || raw === '' ? fallback : raw;

function onOff(name: string) {
  return (raw: string | undefined): boolean | undefined => {
    if (raw === undefined || raw === '') return undefined;
    if (/^(1|on|true|yes)$/i.test(raw)) return true;
    if (/^(0|off|false|no)$/i.test(raw)) return false;
    throw new BootwatchError('input.invalid', `${name} must be on or off, not "${raw}"`);
  };
}

function count(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string | undefined): number => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new BootwatchError(
        'input.invalid',
        `${name} must be a whole number from 0 to ${max}, not "${raw}"`,
      );
    return n;
  };
}

function oneOf<const T extends readonly string[]>(name: string, values: T) {
  return (raw: string | undefined): T[number] | undefined => {
    if (raw === undefined || raw === '') return undefined;
    if ((values as readonly string[]).includes(raw)) return raw;
    throw new BootwatchError('input.invalid', `${name} must be one of ${values.join(', ')}, not "${raw}"`);
  };
}

const declare = <T>(d: Declared<T>) => d;

/** The settings, by environment variable name. */
export const SETTINGS = {
  DATABASE_URL: declare({
    description: 'PostgreSQL server URL; absent: the embedded database (PGlite)',
    parse: text(),
  }),
  BOOTWATCH_DATA: declare({
    description: "the embedded database's directory",
    shown: '.bootwatch/ under the working directory',
    parse: textOr('.bootwatch'),
  }),
  HOST: declare({ description: 'address `serve` listens on', shown: '127.0.0.1', parse: text() }),
  PORT: declare({ description: 'port `serve` listens on', shown: '8080', parse: text() }),
  LOG_LEVEL: declare({
    description: 'collector log level (fatal, error, warn, info, debug)',
    shown: 'warn',
    parse: text(),
  }),
  BOOTWATCH_AUTH: declare({
    description: 'access control: on (tokens required) or off; default off on a loopback HOST, on otherwise',
    shown: 'by HOST',
    parse: onOff('BOOTWATCH_AUTH'),
  }),
  BOOTWATCH_PUBLIC_READ: declare({
    description: 'with auth on, anonymous clients may read (never write)',
    shown: 'off',
    parse: onOff('BOOTWATCH_PUBLIC_READ'),
  }),
  BOOTWATCH_TOKEN: declare({
    description: 'the token run, ingest, agent, bisect and submit send to a collector',
    parse: text(),
  }),
  BOOTWATCH_PUBLIC_URL: declare({
    description:
      "the collector's public base URL (behind a proxy): its origin is accepted, exports link to it",
    parse: text(),
  }),
  BOOTWATCH_RATE_LIMIT: declare({
    description: 'requests a minute one client (token, else address) may make; 0 turns the limit off',
    shown: '1200',
    parse: count('BOOTWATCH_RATE_LIMIT', 1200),
  }),
  BOOTWATCH_MAX_SOCKETS: declare({
    description: 'WebSockets one client (token, else address) may hold open at once',
    shown: '256',
    parse: count('BOOTWATCH_MAX_SOCKETS', 256, 100_000),
  }),
  BOOTWATCH_CACHE: declare({
    description: 'kernel sources, build trees, images and the KVM probe (a cache: safe to delete)',
    shown: '~/.cache/bootwatch',
    parse: textOr(join(homedir(), '.cache', 'bootwatch')),
  }),
  BOOTWATCH_SPOOL: declare({
    description: 'what a runner keeps until the collector has it (data, not cache)',
    shown: 'spool/ in BOOTWATCH_DATA',
    parse: text(),
  }),
  BOOTWATCH_REPORT_DIR: declare({
    description: '`run` writes its regression reports (text and JSON) here',
    shown: 'reports/ in BOOTWATCH_DATA',
    parse: text(),
  }),
  BOOTWATCH_COLLECTOR: declare({
    description: 'the collector URL `agent` sends its results to (its --collector)',
    parse: text(),
  }),
  BOOTWATCH_DEBIAN_MIRROR: declare({
    description: 'the Debian archive debootstrap roots come from when the matrix names none',
    shown: "apt's own (/etc/apt/sources.list*), else http://deb.debian.org/debian",
    parse: text(),
  }),
  BOOTWATCH_QEMU: declare({
    description: 'the QEMU binary that boots kernels',
    parse: textOr('qemu-system-x86_64'),
  }),
  BOOTWATCH_OVMF_CODE: declare({
    description: 'UEFI firmware code for EC2 rehearsals (with BOOTWATCH_OVMF_VARS)',
    shown: "Debian's ovmf in /usr/share/OVMF",
    parse: text(),
  }),
  BOOTWATCH_OVMF_VARS: declare({
    description: 'UEFI variable store template for EC2 rehearsals (with BOOTWATCH_OVMF_CODE)',
    shown: "Debian's ovmf in /usr/share/OVMF",
    parse: text(),
  }),
  BOOTWATCH_EFI_STUB: declare({
    description: 'the systemd EFI stub unified kernel images for EC2 are made from',
    parse: textOr('/usr/lib/systemd/boot/efi/linuxx64.efi.stub'),
  }),
  BOOTWATCH_EFI_STUB_ARM64: declare({
    description: "the arm64 systemd EFI stub for Graviton images (Debian's systemd-boot-efi:arm64)",
    shown: 'multiarch/arm64/linuxaa64.efi.stub in BOOTWATCH_CACHE (scripts/setup.sh puts it there)',
    parse: text(),
  }),
  BOOTWATCH_DEBUG: declare({
    description: 'on: print the stack trace of a failing command',
    shown: 'off',
    parse: onOff('BOOTWATCH_DEBUG'),
  }),
  AWS_REGION: declare({
    description: 'EC2 region when neither the matrix nor --region names one',
    parse: text(),
  }),
  AWS_DEFAULT_REGION: declare({
    description: 'EC2 region when AWS_REGION is not set either',
    parse: text(),
  }),
  BOOTWATCH_SMTP_HOST: declare({
    description:
      'SMTP server alert mails go through; absent: mail deliveries fail (each attempt says why) and are retried',
    parse: text(),
  }),
  BOOTWATCH_SMTP_PORT: declare({
    description: 'SMTP port',
    shown: '465 with BOOTWATCH_SMTP_TLS=tls, else 587',
    parse: count('BOOTWATCH_SMTP_PORT', 0, 65535),
  }),
  BOOTWATCH_SMTP_TLS: declare({
    description: 'tls (implicit, port 465), starttls (required) or off (a trusted local relay)',
    shown: 'starttls',
    parse: oneOf('BOOTWATCH_SMTP_TLS', ['starttls', 'tls', 'off'] as const),
  }),
  BOOTWATCH_SMTP_USER: declare({ description: 'SMTP login (with BOOTWATCH_SMTP_PASSWORD)', parse: text() }),
  BOOTWATCH_SMTP_PASSWORD: declare({ description: 'SMTP password', parse: text() }),
  BOOTWATCH_SMTP_FROM: declare({
    description: 'the From address of alert mails',
    shown: 'bootwatch@ the host name',
    parse: text(),
  }),
  BOOTWATCH_ALERT_WINDOW_MS: declare({
    description: 'alerts for one subscription that fire within this window go out as one digest',
    shown: '1000',
    parse: count('BOOTWATCH_ALERT_WINDOW_MS', 1000, 3_600_000),
  }),
  BOOTWATCH_ALERT_RETRY_MS: declare({
    description: 'wait before retrying a failed delivery; doubles each attempt, at most an hour',
    shown: '30000',
    parse: count('BOOTWATCH_ALERT_RETRY_MS', 30_000, 3_600_000),
  }),
  BOOTWATCH_ALERT_LEASE_MS: declare({
    description:
      'how long a collector holds a delivery it is sending; one killed mid-send leaves it to another after this (keep it above the 20 s send limit)',
    shown: '60000',
    parse: count('BOOTWATCH_ALERT_LEASE_MS', 60_000, 3_600_000),
  }),
  BOOTWATCH_ALERT_ATTEMPTS: declare({
    description: 'attempts before a delivery is given up as failed',
    shown: '8',
    parse: count('BOOTWATCH_ALERT_ATTEMPTS', 8, 100),
  }),
  BOOTWATCH_AGENT_GRACE_MS: declare({
    description:
      'an agent shows offline once this long has passed since its heartbeat was due (agent --heartbeat-ms; the collector notes an agent waiting in a long poll as often); one that stops cleanly shows offline at once',
    shown: '5000',
    parse: count('BOOTWATCH_AGENT_GRACE_MS', 5000, 600_000),
  }),
  BOOTWATCH_BENCH_LAB: declare({
    description:
      'bench: a directory where the dashboard benchmark keeps its seeded PostgreSQL lab between runs (seeded on first use; about 15 GB)',
    parse: text(),
  }),
  BOOTWATCH_TEST_PARALLEL: declare({
    description: 'tests: on runs the integration test files in parallel (they share the cores)',
    shown: 'off',
    parse: onOff('BOOTWATCH_TEST_PARALLEL'),
  }),
  BOOTWATCH_UPDATE_GOLDEN: declare({
    description:
      "tests: on rewrites the parser's golden answers (test/fixtures/golden/) instead of checking them",
    shown: 'off',
    parse: onOff('BOOTWATCH_UPDATE_GOLDEN'),
  }),
  BOOTWATCH_CHROMIUM: declare({
    description: 'tests: the Chromium the dashboard tests drive',
    parse: textOr('/usr/bin/chromium'),
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<K extends SettingName> = ReturnType<(typeof SETTINGS)[K]['parse']>;

/** The setting's value from `env` (default: the process environment), checked. */
export function setting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): ValueOf<K> {
  return SETTINGS[name].parse(env[name]) as ValueOf<K>;
}

/** The default as the README shows it: the declared text, else the parsed default, else "—". */
export function settingDefault(name: SettingName): string {
  const d: Declared<unknown> = SETTINGS[name];
  if (d.shown !== undefined) return d.shown;
  const v = d.parse(undefined);
  return v === undefined ? '—' : String(v);
}

/** Checks every setting at once, so a bad value fails at start rather than mid-run. */
export function checkSettings(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(SETTINGS) as SettingName[]) setting(name, env);
}
