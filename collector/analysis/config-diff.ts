/**
 * Differences between two kernel .config files, the way the kernel's scripts/diffconfig
 * reads and prints them: `-NAME old`, ` NAME old -> new`, `+NAME new`, each group sorted.
 */
import { createHash } from 'node:crypto';

/** Option values keyed by full name (`CONFIG_X`); `# CONFIG_X is not set` reads as `n`. */
export type ConfigValues = Map<string, string>;

export interface ConfigChange {
  /** Full option name: `CONFIG_BINFMT_SCRIPT`. */
  option: string;
  /** Value in the first config, null when it does not mention the option. */
  old: string | null;
  /** Value in the second config, null when it does not mention the option. */
  new: string | null;
}

export interface ConfigDiff {
  /** In the first config only, sorted by name. */
  removed: ConfigChange[];
  /** In both with different values, sorted by name. */
  changed: ConfigChange[];
  /** In the second config only, sorted by name. */
  added: ConfigChange[];
}

const NOT_SET = ' is not set';

/** Reads a .config (or fragment) the way diffconfig's readconfig does. */
export function parseConfigText(text: string): ConfigValues {
  const out: ConfigValues = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('CONFIG_')) {
      const eq = line.indexOf('=');
      // diffconfig would crash on a CONFIG_ line without `=`; skipping it is kinder.
      if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
    }
    if (line.endsWith(NOT_SET) && line.startsWith('# CONFIG_')) out.set(line.slice(2, -NOT_SET.length), 'n');
  }
  return out;
}

/** Code-point order, the order Python's sort gives diffconfig. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Removed, changed and added options between two configs (texts or parsed values). */
export function diffConfigs(a: string | ConfigValues, b: string | ConfigValues): ConfigDiff {
  const va = typeof a === 'string' ? parseConfigText(a) : a;
  const vb = typeof b === 'string' ? parseConfigText(b) : b;
  const diff: ConfigDiff = { removed: [], changed: [], added: [] };
  for (const [option, old] of va) {
    const now = vb.get(option);
    if (now === undefined) diff.removed.push({ option, old, new: null });
    else if (now !== old) diff.changed.push({ option, old, new: now });
  }
  for (const [option, now] of vb) if (!va.has(option)) diff.added.push({ option, old: null, new: now });
  for (const list of [diff.removed, diff.changed, diff.added])
    list.sort((x, y) => byCodePoint(x.option, y.option));
  return diff;
}

function shortName(option: string): string {
  return option.startsWith('CONFIG_') ? option.slice(7) : option;
}

/** The diff as scripts/diffconfig prints it (trailing newline when not empty). */
export function formatConfigDiff(diff: ConfigDiff): string {
  const lines = [
    ...diff.removed.map((c) => `-${shortName(c.option)} ${c.old}`),
    ...diff.changed.map((c) => ` ${shortName(c.option)} ${c.old} -> ${c.new}`),
    ...diff.added.map((c) => `+${shortName(c.option)} ${c.new}`),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The diff as `diffconfig -m` prints it: a fragment turning the first config into the second. */
export function formatConfigDiffMerge(diff: ConfigDiff): string {
  const lines: string[] = [];
  for (const c of [...diff.changed, ...diff.added]) {
    lines.push(c.new === 'n' ? `# ${c.option} is not set` : `${c.option}=${c.new}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A .config text for the values, sorted by name (olddefconfig restores the kernel's order). */
export function renderConfig(values: ConfigValues): string {
  const names = [...values.keys()].sort(byCodePoint);
  return (
    names.map((n) => (values.get(n) === 'n' ? `# ${n} is not set` : `${n}=${values.get(n)}`)).join('\n') +
    '\n'
  );
}

/** Identity of a config's values, independent of line order and comments. */
export function configHash(values: ConfigValues): string {
  return createHash('sha256').update(renderConfig(values)).digest('hex').slice(0, 16);
}
