/** Pulls compiler/linker warnings and errors out of a kernel build log. */

const WARNING = /(: warning: |^WARNING: )/;
const ERROR =
  /(: error: |: fatal error: |^make(\[\d+\])?: \*\*\* |undefined reference to|^ERROR: |: Error: )/;

export interface LogFindings {
  warnings: string[];
  errors: string[];
}

/** Distinct warning and error lines, in order, capped so a pathological log stays small. */
export function scanBuildLog(log: string, cap = 200): LogFindings {
  const warnings = new Set<string>();
  const errors = new Set<string>();
  for (const raw of log.split('\n')) {
    const line = raw.trimEnd();
    if (ERROR.test(line)) {
      if (errors.size < cap) errors.add(line);
    } else if (WARNING.test(line) && warnings.size < cap) warnings.add(line);
  }
  return { warnings: [...warnings], errors: [...errors] };
}
