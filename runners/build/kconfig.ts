/**
 * Just enough Kconfig to explain a dropped option: follows `source` from the top-level
 * Kconfig, keeps each symbol's `depends on` (its own and those of enclosing if/menu/choice
 * blocks), whether it has a prompt, and who selects it; evaluates them on a .config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface KconfigSymbol {
  name: string;
  type: string | null;
  /** Every `depends on` in force, enclosing blocks first. */
  deps: string[];
  /** False for symbols only `select` can set (no prompt, so a fragment cannot). */
  hasPrompt: boolean;
  /** `select NAME [if COND]` clauses naming this symbol: [selector, condition]. */
  selectedBy: [string, string | null][];
  inChoice: boolean;
}

export type KconfigDb = Map<string, KconfigSymbol>;

const cache = new Map<string, KconfigDb>();

/** Parses the tree's Kconfig files once per (source dir, arch). */
export function loadKconfig(srcDir: string, srcArch = 'x86'): KconfigDb {
  const key = `${srcDir}\0${srcArch}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const db: KconfigDb = new Map();
  const frames: { kind: string; deps: string[] }[] = [];
  const seen = new Set<string>();

  const parseFile = (file: string): void => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const raw = readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n');
    let cur: KconfigSymbol | null = null;
    let helpIndent = -1;
    let inHelp = false;
    let blockJustOpened: { kind: string; deps: string[] } | null = null;
    for (const line of raw) {
      if (inHelp) {
        const indent = line.match(/^\s*/)![0].replace(/\t/g, '        ').length;
        if (!line.trim()) continue;
        if (helpIndent < 0) helpIndent = indent;
        if (indent >= helpIndent) continue;
        inHelp = false;
      }
      const t = line.replace(/(^|\s)#.*$/, '').trim();
      if (!t) continue;
      const [word, ...restWords] = t.split(/\s+/);
      const rest = restWords.join(' ');
      switch (word) {
        case 'config':
        case 'menuconfig': {
          const name = rest.trim();
          const existing = db.get(name);
          cur = existing ?? { name, type: null, deps: [], hasPrompt: false, selectedBy: [], inChoice: false };
          if (!existing) {
            cur.deps = frames.flatMap((f) => f.deps);
            cur.inChoice = frames.some((f) => f.kind === 'choice');
            db.set(name, cur);
          }
          blockJustOpened = null;
          break;
        }
        case 'if':
          frames.push({ kind: 'if', deps: [rest] });
          cur = null;
          break;
        case 'menu':
        case 'choice':
          blockJustOpened = { kind: word, deps: [] };
          frames.push(blockJustOpened);
          cur = null;
          break;
        case 'endif':
        case 'endmenu':
        case 'endchoice':
          frames.pop();
          cur = null;
          blockJustOpened = null;
          break;
        case 'source':
        case 'rsource':
        case 'osource':
        case 'orsource': {
          const rel = rest
            .replace(/^"|"$/g, '')
            .replace(/\$\(SRCARCH\)/g, srcArch)
            .replace(/\$SRCARCH/g, srcArch);
          const base = word.startsWith('r') || word === 'orsource' ? dirname(file) : srcDir;
          cur = null;
          parseFile(join(base, rel));
          break;
        }
        case 'depends':
          if (restWords[0] !== 'on') break;
          if (cur) cur.deps.push(restWords.slice(1).join(' '));
          else if (blockJustOpened) blockJustOpened.deps.push(restWords.slice(1).join(' '));
          break;
        case 'bool':
        case 'tristate':
        case 'string':
        case 'int':
        case 'hex':
          if (cur) {
            cur.type = word;
            if (/^"/.test(rest)) cur.hasPrompt = true;
          }
          break;
        case 'def_bool':
        case 'def_tristate':
          if (cur) cur.type = word.slice(4);
          break;
        case 'prompt':
          if (cur) cur.hasPrompt = true;
          break;
        case 'select': {
          if (!cur) break;
          const m = rest.match(/^(\w+)(?:\s+if\s+(.+))?$/);
          if (m) selects.push([m[1], cur.name, m[2] ?? null]);
          break;
        }
        case 'help':
        case '---help---':
          inHelp = true;
          helpIndent = -1;
          break;
        default:
          break;
      }
    }
  };
  const selects: [string, string, string | null][] = [];
  parseFile(join(srcDir, 'Kconfig'));
  for (const [target, by, cond] of selects) db.get(target)?.selectedBy.push([by, cond]);
  cache.set(key, db);
  return db;
}

/** A .config as symbol → value (`y`, `m`, `"str"`, `123`); absent or `is not set` → missing. */
export type ConfigValues = Map<string, string>;

/** Parses `CONFIG_X=v` and `# CONFIG_X is not set` lines (value `n`). */
export function parseConfig(text: string): ConfigValues {
  const out: ConfigValues = new Map();
  for (const line of text.split('\n')) {
    const set = line.match(/^CONFIG_(\w+)=(.*)$/);
    if (set) out.set(set[1], set[2].trim());
    const unset = line.match(/^# CONFIG_(\w+) is not set/);
    if (unset) out.set(unset[1], 'n');
  }
  return out;
}

type Tri = 0 | 1 | 2;

/** Evaluates a Kconfig expression on a .config (tristate logic: n=0, m=1, y=2). */
export function evalExpr(expr: string, cfg: ConfigValues): Tri {
  const toks = expr.match(/"[^"]*"|'[^']*'|&&|\|\||!=|<=|>=|[()!=<>]|[\w.$-]+/g) ?? [];
  let i = 0;
  const symValue = (tok: string): string => {
    if (/^["']/.test(tok)) return tok.slice(1, -1);
    if (tok === 'y' || tok === 'n' || tok === 'm' || /^-?\d+$/.test(tok) || /^0x/i.test(tok)) return tok;
    return (cfg.get(tok) ?? 'n').replace(/^"|"$/g, '');
  };
  const tri = (v: string): Tri => (v === 'y' ? 2 : v === 'm' ? 1 : 0);
  const primary = (): Tri => {
    const tok = toks[i++];
    if (tok === '!') return (2 - primary()) as Tri;
    if (tok === '(') {
      const v = or();
      i++;
      return v;
    }
    const op = toks[i];
    if (op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=') {
      i++;
      const a = symValue(tok);
      const b = symValue(toks[i++]);
      const na = Number(a);
      const nb = Number(b);
      const cmp = Number.isNaN(na) || Number.isNaN(nb) ? a.localeCompare(b) : na - nb;
      const ok =
        op === '='
          ? a === b
          : op === '!='
            ? a !== b
            : op === '<'
              ? cmp < 0
              : op === '>'
                ? cmp > 0
                : op === '<='
                  ? cmp <= 0
                  : cmp >= 0;
      return ok ? 2 : 0;
    }
    return tri(symValue(tok));
  };
  const and = (): Tri => {
    let v = primary();
    while (toks[i] === '&&') {
      i++;
      v = Math.min(v, primary()) as Tri;
    }
    return v;
  };
  const or = (): Tri => {
    let v = and();
    while (toks[i] === '||') {
      i++;
      v = Math.max(v, and()) as Tri;
    }
    return v;
  };
  try {
    return or();
  } catch {
    return 0;
  }
}

/** Symbols named in an expression, for `[=n]` annotations. */
function symbolsOf(expr: string): string[] {
  return [...new Set(expr.match(/\b[A-Z][A-Z0-9_]*\b/g) ?? [])];
}

/** Why Kconfig did not keep `name=requested`: the unmet `depends on`, in Kconfig's words. */
export function explainDropped(name: string, requested: string, cfg: ConfigValues, db: KconfigDb): string {
  const sym = db.get(name);
  if (!sym) return 'no such option in this kernel version';
  const want = requested === 'n' ? 0 : requested === 'm' ? 1 : 2;
  if (want === 0) {
    const sel = sym.selectedBy.filter(
      ([by, cond]) => (cfg.get(by) ?? 'n') !== 'n' && (!cond || evalExpr(cond, cfg) > 0),
    );
    if (sel.length) return `selected by ${sel.map(([by]) => `CONFIG_${by}`).join(', ')}`;
  }
  const unmet = sym.deps.filter((d) => evalExpr(d, cfg) < Math.min(want, 2) || evalExpr(d, cfg) === 0);
  if (unmet.length) {
    const annotate = (d: string) => {
      const vals = symbolsOf(d)
        .filter((s) => db.has(s))
        .map((s) => `${s}=${cfg.get(s) ?? 'n'}`);
      return vals.length ? `${d} [${vals.join(', ')}]` : d;
    };
    return `depends on ${unmet.map(annotate).join(' && ')}`;
  }
  if (requested === 'm' && (cfg.get('MODULES') ?? 'n') === 'n')
    return 'modules are off (CONFIG_MODULES is not set)';
  if (!sym.hasPrompt && sym.selectedBy.length) {
    return `has no prompt: only set by select from ${sym.selectedBy
      .map(([by]) => `CONFIG_${by}`)
      .slice(0, 4)
      .join(', ')}`;
  }
  if (!sym.hasPrompt) return 'has no prompt: its value comes from its default only';
  if (sym.inChoice) return 'part of a choice: another option of the choice is selected';
  return 'Kconfig changed the value (range or default)';
}
