/**
 * Every environment variable bootwatch reads, declared once: its name, default, meaning and
 * how it is checked. Code reads settings through `setting()`, never `process.env` directly,
 * so a bad value fails at start with a message that names the variable.
 */
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
    parse: text(),
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
    shown: '64',
    parse: count('BOOTWATCH_MAX_SOCKETS', 64, 100_000),
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<K extends SettingName> = ReturnType<(typeof SETTINGS)[K]['parse']>;

/** The setting's value from `env` (default: the process environment), checked. */
export function setting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): ValueOf<K> {
  return SETTINGS[name].parse(env[name]) as ValueOf<K>;
}

/** Checks every setting at once, so a bad value fails at start rather than mid-run. */
export function checkSettings(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(SETTINGS) as SettingName[]) setting(name, env);
}
