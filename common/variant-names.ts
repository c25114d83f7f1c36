/**
 * Matrix variant names are `[A-Za-z0-9._-]+`, so a `~` never appears in one: runners use it
 * for scratch variants derived from a real one (`net~bisect`: a bisection's candidates).
 * Their builds and boots are stored and linkable, but they are experiments, not a history:
 * no regression detection runs on them.
 */
export function scratchVariant(base: string, purpose: string): string {
  return `${base}~${purpose}`;
}

export function isScratchVariant(name: string | null | undefined): boolean {
  return name?.includes('~') ?? false;
}
