/** Kconfig dependencies as the bisection orders by them: the symbols an option's `depends on` names. */
import { ARCH_FACTS, type Arch } from '../../common/arch.ts';
import { loadKconfig } from '../build/kconfig.ts';

/** `dependsOn(CONFIG_X)` → the `CONFIG_` symbols X's (and its enclosing blocks') `depends on` mention. */
export function kconfigDependsOn(srcDir: string, arch: Arch): (option: string) => string[] {
  const db = loadKconfig(srcDir, ARCH_FACTS[arch].srcArch);
  const cache = new Map<string, string[]>();
  return (option) => {
    const hit = cache.get(option);
    if (hit) return hit;
    const sym = db.get(option.replace(/^CONFIG_/, ''));
    const names = new Set<string>();
    for (const expr of sym?.deps ?? [])
      for (const m of expr.matchAll(/\b[A-Z][A-Z0-9_]*\b/g))
        if (m[0] !== sym?.name) names.add(`CONFIG_${m[0]}`);
    const out = [...names];
    cache.set(option, out);
    return out;
  };
}
