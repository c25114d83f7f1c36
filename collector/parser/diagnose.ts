/**
 * Applies the symptom table to what a boot printed: each matching row suggests options,
 * tied to the line that showed the symptom; the best suggestion for each option wins.
 */
import { type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import type { BootEvent, Diagnosis, Outcome, PanicInfo } from '../../common/types/parse.ts';
import {
  ARCH_KNOWLEDGE,
  type FieldPattern,
  SYMPTOMS,
  type Symptom,
  type SymptomContext,
} from './tables/knowledge.ts';

export interface DiagnoseInput {
  events: readonly BootEvent[];
  outcome: Outcome;
  panic: PanicInfo | null;
  /** Line and text to cite when the evidence is the absence of output. */
  lastLine: { line: number; text: string };
  /** The last kernel message: where a stalled boot stopped. */
  lastKernelLine: { line: number; text: string };
  /** Text of a line, for citing evidence. */
  textOf: (line: number) => string;
  context: Required<Pick<SymptomContext, 'initramfs' | 'rootGiven'>> & {
    kernelBits?: 32 | 64;
    initIsScript?: boolean;
    rootDevice?: string | null;
    /** The guest's architecture (from the log, else the runner); x86_64 when unknown. */
    arch?: Arch | null;
  };
}

function fieldMatches(value: unknown, pattern: FieldPattern): boolean {
  if (pattern === null) return value === null || value === undefined;
  if (pattern instanceof RegExp) return typeof value === 'string' && pattern.test(value);
  return value === pattern;
}

function contextMatches(when: SymptomContext | undefined, ctx: DiagnoseInput['context']): boolean {
  if (!when) return true;
  if (when.kernelBits !== undefined && ctx.kernelBits !== when.kernelBits) return false;
  if (when.initIsScript !== undefined && ctx.initIsScript !== when.initIsScript) return false;
  if (when.initramfs !== undefined && ctx.initramfs !== when.initramfs) return false;
  if (when.rootGiven !== undefined && ctx.rootGiven !== when.rootGiven) return false;
  if (when.rootDevice && !(ctx.rootDevice && when.rootDevice.test(ctx.rootDevice))) return false;
  return true;
}

function fill(template: string, fields: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(fields[k] ?? ''));
}

function optionName(o: string): string {
  return o.startsWith('CONFIG_') ? o : `CONFIG_${o}`;
}

/** Ranks the options most likely to fix what went wrong, best first, each with its evidence. */
export function diagnose(input: DiagnoseInput): Diagnosis[] {
  const best = new Map<string, Diagnosis>();
  const archFacts = ARCH_KNOWLEDGE[input.context.arch ?? DEFAULT_ARCH];
  const suggest = (row: Symptom, line: number, evidence: string, eventFields: Record<string, unknown>) => {
    const fields = { ...archFacts.words, ...eventFields };
    const options = row.options.flatMap((o) =>
      o.startsWith('@') ? (archFacts.options[o.slice(1) as keyof typeof archFacts.options] ?? []) : [o],
    );
    options.forEach((o, i) => {
      const option = optionName(fill(o, fields));
      if (!/^CONFIG_[A-Z0-9_]+$/.test(option)) return;
      // Later options in a row are fallbacks: a little less likely than the first.
      const confidence = Math.max(0.05, Math.round((row.confidence - i * 0.05) * 100) / 100);
      const prev = best.get(option);
      if (prev && (prev.confidence > confidence || (prev.confidence === confidence && prev.line <= line)))
        return;
      best.set(option, {
        option,
        reason: fill(row.reason, fields),
        line,
        rule: row.id,
        confidence,
        evidence,
      });
    });
  };

  for (const row of SYMPTOMS) {
    if (!contextMatches(row.when, input.context)) continue;
    if (row.outcome) {
      if (row.outcome === input.outcome) suggest(row, input.lastLine.line, input.lastLine.text, {});
      continue;
    }
    if (row.stalledAt) {
      if (input.outcome === 'stalled' && row.stalledAt.test(input.lastKernelLine.text))
        suggest(row, input.lastKernelLine.line, input.lastKernelLine.text, {});
      continue;
    }
    if (row.panic) {
      if (input.panic && row.panic.test(input.panic.reason))
        suggest(row, input.panic.line, input.textOf(input.panic.line), { ...input.panic });
      continue;
    }
    if (!row.event) continue;
    for (const ev of input.events) {
      if (ev.kind !== row.event) continue;
      const fields = ev as unknown as Record<string, unknown>;
      if (row.fields && !Object.entries(row.fields).every(([k, p]) => fieldMatches(fields[k], p))) continue;
      suggest(row, ev.line, input.textOf(ev.line), fields);
    }
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence || a.line - b.line);
}
