import type { Command } from 'commander';

/** Commands that build and boot kernels: run, agent. */
export function registerRunnerCommands(_program: Command): void {}
