/**
 * The climb: from a kernel that does not reach a goal to one that does, by itself. Boot,
 * read the diagnosis, add the option it names first (with its Kconfig dependencies), rebuild
 * and boot; keep the option when the boot got further, revert it otherwise and try the next
 * candidate; then minimise (drop each kept option that the goal turns out not to need).
 *
 * Pure search over injected build-and-boot steps (runners/climb does them for real), with
 * a JSON state saved after every step, so a climb resumes after a crash or on another host.
 */
import type {
  ClimbAttempt,
  ClimbEvaluation,
  ClimbGoal,
  ClimbPhase,
  ClimbRung,
  ClimbState,
} from '../../common/schemas/climbs.ts';
import { type BootStage, STAGES } from '../../common/schemas/parse.ts';
import type { Diagnosis } from '../../common/types/parse.ts';

export type { ClimbEvaluation, ClimbGoal, ClimbState } from '../../common/schemas/climbs.ts';

/** An option and its Kconfig dependencies, resolved before the build. */
export interface AppliedOption {
  /** The whole option list after applying (previous ones, the candidate, its dependencies). */
  options: string[];
  /** The candidate is set in the resolved .config. */
  landed: boolean;
  /** Why not, when it did not land (the dropped-option report's reason). */
  reason: string | null;
}

export interface ClimbDeps {
  /** Adds `candidate` (and what it depends on) to `options`, resolved with olddefconfig. */
  apply(options: readonly string[], candidate: string): Promise<AppliedOption>;
  /** Builds `base + options` and boots it. */
  evaluate(options: readonly string[], ctx: { attempt: number; phase: ClimbPhase }): Promise<ClimbEvaluation>;
  /**
   * The options among `options` that Kconfig would not set (a dependency of theirs is gone):
   * minimise asks before building, so an option others depend on is known needed for free.
   */
  unmet?(options: readonly string[]): Promise<string[]>;
  /**
   * The identity of the .config these options resolve to: option sets Kconfig resolves alike
   * (an option that defaults to y anyway) are one kernel, built once.
   */
  configKey?(options: readonly string[]): Promise<string>;
  onStep?(state: ClimbState): Promise<void> | void;
}

export function initialClimbState(goals: ClimbGoal[], maxBuilds: number): ClimbState {
  return {
    goals,
    maxBuilds,
    builds: 0,
    status: 'running',
    phase: 'start',
    options: [],
    trial: [],
    current: null,
    tried: [],
    attempts: [],
    minimised: [],
    stopped: null,
  };
}

const stageRank = (s: BootStage) => STAGES.indexOf(s);

/** Whether a boot reached every goal. */
function reachedGoals(e: ClimbEvaluation, goals: readonly ClimbGoal[]): boolean {
  return goals.every((g) => {
    if (g === 'marker') return e.marker;
    if (g === 'network') return e.checks.includes('net');
    if ((STAGES as readonly string[]).includes(g) && stageRank(e.lastStage) >= stageRank(g as BootStage))
      return true;
    return e.milestones.includes(g);
  });
}

/** The goals a boot reached. */
const goalsReached = (e: ClimbEvaluation, goals: readonly ClimbGoal[]) =>
  goals.filter((g) => reachedGoals(e, [g]));

/**
 * How far a boot got: more goals first, then a later stage, more milestones, the marker.
 * A shutdown counts as userspace: a boot the runner ends once its network check passed stops
 * in userspace, and is not behind one that powered off with no network (the real climb from
 * allnoconfig reverted E1000 for exactly that).
 */
function progress(e: ClimbEvaluation, goals: readonly ClimbGoal[]): number[] {
  const stage = e.lastStage === 'shutdown' ? 'userspace' : e.lastStage;
  const milestones = e.milestones.filter((m) => m !== 'shutdown').length;
  return [goalsReached(e, goals).length, stageRank(stage), milestones, e.marker ? 1 : 0, e.checks.length];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

interface Symptom {
  key: string;
  line: number;
  evidence: string;
  /** Its options, best first. */
  options: string[];
}

/**
 * The diagnosis as symptoms, most likely fix first (the diagnosis' own ranking, which names
 * the right option at every step of the seed ladder); among equally likely ones, the one the
 * boot met first. Two rules citing different lines of one failure (the `Cannot open root
 * device` line and the panic after it) are two symptoms: the likelier one decides.
 */
function symptomsOf(diagnosis: readonly Diagnosis[]): Symptom[] {
  const by = new Map<string, Symptom & { conf: number[] }>();
  for (const d of diagnosis) {
    const key = `${d.rule}@${d.line}`;
    const s = by.get(key) ?? { key, line: d.line, evidence: d.evidence, options: [], conf: [] };
    s.options.push(d.option);
    s.conf.push(d.confidence);
    by.set(key, s);
  }
  return [...by.values()]
    .sort((a, b) => Math.max(...b.conf) - Math.max(...a.conf) || a.line - b.line)
    .map(({ conf, ...s }) => ({
      ...s,
      options: s.options
        .map((o, i) => [o, conf[i]] as const)
        .sort((x, y) => y[1] - x[1])
        .map(([o]) => o),
    }));
}

const describe = (s: Symptom) => {
  const rule = s.key.split('@')[0];
  // A silent console has no line to cite: the rule alone says it.
  return s.evidence.trim() ? `${rule}: ${s.evidence.trim()}` : rule;
};

/** The next candidate against the current kernel: the earliest symptom's best untried option. */
function nextCandidate(state: ClimbState): { option: string; symptom: Symptom } | null {
  for (const s of symptomsOf(state.current!.diagnosis))
    for (const option of s.options)
      if (!state.options.includes(option) && !state.trial.includes(option) && !state.tried.includes(option))
        return { option, symptom: s };
  return null;
}

type AttemptFields = Pick<ClimbAttempt, 'phase' | 'option' | 'verdict' | 'reason'> &
  Partial<Pick<ClimbAttempt, 'with' | 'symptom'>>;

/** Records an attempt; `e` is its boot (none when nothing was built), `before` the kernel it was tried on. */
function attempt(
  state: ClimbState,
  a: AttemptFields,
  e: ClimbEvaluation | null,
  before: ClimbEvaluation | null,
): void {
  const size = e?.imageBytes ?? null;
  const was = before?.imageBytes ?? null;
  state.attempts.push({
    n: state.attempts.length + 1,
    with: [],
    symptom: null,
    ...a,
    outcome: e?.outcome ?? null,
    lastStage: e?.lastStage ?? null,
    imageBytes: size,
    sizeAdded: size != null && was != null ? size - was : null,
    builds: state.builds,
    buildId: e?.buildId ?? null,
    bootId: e?.bootId ?? null,
  });
}

/** What a boot at the same stage gained over the one before: milestones, the marker, checks. */
function furtherWithin(before: ClimbEvaluation, after: ClimbEvaluation): string {
  const gained = [
    ...after.milestones.filter((m) => !before.milestones.includes(m)),
    ...(after.marker && !before.marker ? ['the marker'] : []),
    ...after.checks.filter((c) => !before.checks.includes(c)).map((c) => `the ${c} check`),
  ];
  return gained.length ? `reached ${gained.join(', ')}` : 'more of it';
}

/** The symptom as an attempt records it: its text, its line and where the boot stood. */
const symptomOf = (s: Symptom, boot: ClimbEvaluation): ClimbAttempt['symptom'] => ({
  text: describe(s),
  line: s.line,
  stage: boot.lastStage,
  bootId: boot.bootId,
});

/** The ladder so far: one rung per option the climb kept, with what came with it. */
export function climbRungs(state: ClimbState): ClimbRung[] {
  return state.attempts
    .filter((a) => a.phase === 'climb' && a.verdict === 'kept' && a.option && a.lastStage)
    .map((a) => ({
      attempt: a.n,
      option: a.option!,
      with: a.with,
      fixed: a.symptom?.text ?? '',
      stage: a.lastStage!,
      imageBytes: a.imageBytes,
      sizeAdded: a.sizeAdded,
    }));
}

/** Runs (or resumes) a climb to its goal, its budget, or a symptom nothing names. */
export async function climb(state: ClimbState, deps: ClimbDeps): Promise<ClimbState> {
  const save = async () => deps.onStep?.(state);
  /** The kernel these options make, and its boot when that .config was built before. */
  const lookup = async (options: readonly string[]) => {
    const sorted = [...options].sort();
    const config = (await deps.configKey?.(options)) ?? null;
    const seen = (state.built ?? []).find((b) =>
      config !== null && b.config !== undefined
        ? b.config === config
        : b.options.join(' ') === sorted.join(' '),
    );
    return { sorted, config, seen };
  };
  /**
   * Builds and boots an option set, or gives the boot of an earlier attempt with the same
   * .config (minimise's first removal is often the kernel before the last kept option): the
   * budget pays for builds, not attempts.
   */
  const build = async (
    options: readonly string[],
    phase: ClimbPhase,
    found?: Awaited<ReturnType<typeof lookup>>,
  ) => {
    const { sorted, config, seen } = found ?? (await lookup(options));
    if (seen) return { e: seen.evaluation, reused: seen.attempt };
    state.builds++;
    const attempt = state.attempts.length + 1;
    const e = await deps.evaluate(options, { attempt, phase });
    state.built = [
      ...(state.built ?? []),
      { options: sorted, ...(config !== null ? { config } : {}), attempt, evaluation: e },
    ];
    return { e, reused: null };
  };
  const sameAs = (reused: number | null) =>
    reused ? ` (the same .config as attempt ${reused}: its boot, not built again)` : '';

  if (!state.current) {
    const { e } = await build(state.options, 'start');
    state.current = e;
    attempt(
      state,
      { phase: 'start', option: null, verdict: 'start', reason: 'the kernel as given' },
      e,
      null,
    );
    state.phase = 'climb';
    await save();
  }

  // Resumed after a symptom nothing named stopped it: the knowledge has grown since, so the
  // kernel it stopped at is booted again (the same .config: an incremental build that
  // compiles nothing, not a new kernel for the budget) and read with today's tables.
  if (state.status === 'stuck' && state.phase === 'climb' && state.current) {
    const e = await deps.evaluate(state.options, { attempt: state.attempts.length, phase: 'climb' });
    state.current = e;
    // Its entry among the kernels built (by its options) answers with the new reading too.
    const key = [...state.options].sort().join(' ');
    state.built = (state.built ?? []).map((b) => (b.options.join(' ') === key ? { ...b, evaluation: e } : b));
    state.status = 'running';
    state.stopped = null;
    await save();
  }

  while (state.phase === 'climb') {
    const cur = state.current!;
    if (reachedGoals(cur, state.goals)) {
      state.phase = 'minimise';
      break;
    }
    if (state.builds >= state.maxBuilds) {
      state.status = 'budget';
      state.stopped = `build budget (${state.maxBuilds}) spent at stage ${cur.lastStage}`;
      await save();
      return state;
    }
    const next = nextCandidate(state);
    if (!next) {
      const first = symptomsOf(cur.diagnosis)[0];
      state.trial = [];
      state.status = 'stuck';
      state.stopped = first
        ? `every option the diagnosis names for "${describe(first)}" was tried, stage ${cur.lastStage}`
        : `the diagnosis names no option for where the boot stopped (stage ${cur.lastStage}): ${cur.lastLine.trim() || '(no console output)'}`;
      await save();
      return state;
    }
    state.tried.push(next.option);
    const base = [...state.options, ...state.trial];
    const applied = await deps.apply(base, next.option);
    if (!applied.landed) {
      attempt(
        state,
        {
          phase: 'climb',
          option: next.option,
          symptom: symptomOf(next.symptom, cur),
          verdict: 'not_landed',
          reason: applied.reason ?? 'Kconfig did not set it',
        },
        null,
        cur,
      );
      await save();
      continue;
    }
    const { e, reused } = await build(applied.options, 'climb');
    const further = compare(progress(e, state.goals), progress(cur, state.goals));
    const gone = !symptomsOf(e.diagnosis).some((s) => s.key.split('@')[0] === next.symptom.key.split('@')[0]);
    const keep = further > 0 || (further === 0 && gone && e.outcome === cur.outcome);
    const trial = !keep && further === 0 && e.outcome === cur.outcome;
    const added = applied.options.filter((o) => !state.options.includes(o) && o !== next.option);
    attempt(
      state,
      {
        phase: 'climb',
        option: next.option,
        with: added,
        symptom: symptomOf(next.symptom, cur),
        verdict: keep ? 'kept' : trial ? 'trial' : 'reverted',
        reason:
          (keep
            ? further > 0
              ? goalsReached(e, state.goals).length > goalsReached(cur, state.goals).length
                ? `got further: ${goalsReached(e, state.goals).length} of ${state.goals.length} goals reached (${goalsReached(e, state.goals).join(', ')})`
                : e.lastStage !== cur.lastStage
                  ? `got further: ${cur.lastStage} → ${e.lastStage}`
                  : `got further at stage ${e.lastStage}: ${furtherWithin(cur, e)}`
              : 'the symptom is gone'
            : trial
              ? "no further alone, no worse: kept on trial under the symptom's next option"
              : further < 0
                ? `got less far: ${cur.lastStage} → ${e.lastStage}`
                : `no further, and the boot got worse (${cur.outcome} → ${e.outcome})`) + sameAs(reused),
      },
      e,
      cur,
    );
    if (trial) state.trial = applied.options.filter((o) => !state.options.includes(o));
    if (keep) {
      state.options = applied.options;
      state.current = e;
      state.tried = [];
      state.trial = [];
    }
    await save();
  }

  // Minimise: each added option is tried away; the goal must still be reached without it. A
  // minimise cut short by the budget and resumed under a larger one says why only if cut again.
  if (state.phase === 'minimise') state.stopped = null;
  for (const option of minimiseOrder(state)) {
    if (state.phase !== 'minimise') break;
    if (state.minimised.includes(option)) continue;
    const without = state.options.filter((o) => o !== option);
    // Only what removing it loses counts: an option unset with every option on is no evidence.
    const unsetAnyway = new Set((await deps.unmet?.(state.options)) ?? []);
    const lost = ((await deps.unmet?.(without)) ?? []).filter((o) => !unsetAnyway.has(o));
    // What Kconfig decides or a kernel already built answers costs no build: only a build
    // waits for budget.
    const found = lost.length ? null : await lookup(without);
    if (found && !found.seen && state.builds >= state.maxBuilds) {
      // Left untested (not marked minimised: a larger budget resumes it); the free ones go on.
      state.stopped = `build budget (${state.maxBuilds}) spent while minimising: the fragment may hold options it does not need`;
      continue;
    }
    state.minimised.push(option);
    if (lost.length) {
      attempt(
        state,
        {
          phase: 'minimise',
          option,
          verdict: 'reverted',
          reason: `needed: without it Kconfig drops ${lost.join(', ')} (not built)`,
        },
        null,
        null,
      );
      await save();
      continue;
    }
    const { e, reused } = await build(without, 'minimise', found ?? undefined);
    const needed = !reachedGoals(e, state.goals);
    attempt(
      state,
      {
        phase: 'minimise',
        option,
        symptom: null,
        verdict: needed ? 'reverted' : 'kept',
        reason:
          (needed ? 'needed: without it the goal is not reached' : 'not needed: dropped from the fragment') +
          sameAs(reused),
      },
      e,
      state.current,
    );
    if (!needed) {
      state.options = without;
      state.current = e;
    }
    await save();
  }
  state.status = 'reached';
  await save();
  return state;
}

/**
 * The order minimise tries options away in: first those that came along (on trial beneath a
 * kept option, or as its dependencies), the likeliest to be unneeded and the dependencies
 * Kconfig settles without a build; then the options kept for getting further. Latest first in
 * each, so a budget that runs out leaves the surest options untested.
 */
function minimiseOrder(state: ClimbState): string[] {
  const keptOwn = new Set(
    state.attempts
      .filter((a) => a.phase === 'climb' && a.verdict === 'kept' && a.option)
      .map((a) => a.option),
  );
  const latest = [...state.options].reverse();
  return [...latest.filter((o) => !keptOwn.has(o)), ...latest.filter((o) => keptOwn.has(o))];
}

/** The minimal fragment the climb found, as Kconfig lines. */
export function climbFragment(state: ClimbState): string {
  return state.options.map((o) => `${o}=y\n`).join('');
}
