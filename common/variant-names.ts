import { type Arch, DEFAULT_ARCH } from './arch.ts';

/**
 * The name a variant is stored under: its own for x86_64 (what every existing history
 * uses), `name@arch` otherwise, so one matrix may hold `serial` for each architecture.
 */
export function variantKey(name: string, arch: Arch): string {
  return arch === DEFAULT_ARCH ? name : `${name}@${arch}`;
}

/**
 * Matrix variant names are `[A-Za-z0-9._-]+`, so neither `@` nor `~` appears in one: runners
 * use `~` for scratch variants derived from a real one (`net~bisect`: a bisection's candidates).
 * Their builds and boots are stored and linkable, but they are experiments, not a history:
 * no regression detection runs on them.
 */
export function scratchVariant(base: string, purpose: string): string {
  return `${base}~${purpose}`;
}

export function isScratchVariant(name: string | null | undefined): boolean {
  return name?.includes('~') ?? false;
}
