/**
 * Work a request starts but does not wait for (regression detection after a boot, say):
 * tracked, so closing the collector waits for it instead of pulling the database away.
 */
export class BackgroundWork {
  private readonly tasks = new Set<Promise<unknown>>();

  /** Tracks `task`; its failure is the task's own business (it must log it), never unhandled. */
  run(task: Promise<unknown>): void {
    const tracked: Promise<unknown> = task.catch(() => {}).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /** Resolves once every tracked task (and any they started) has settled. */
  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.all([...this.tasks]);
  }
}
