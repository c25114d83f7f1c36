import { untrack } from 'svelte';

/**
 * Data a view loads from the API: reloads when what `load` reads changes, cancels the
 * request it replaces, and keeps showing the last answer while the next one comes.
 */
export class Loader<T> {
  value = $state<T | undefined>(undefined);
  error = $state<Error | null>(null);
  loading = $state(true);
  #reloads = $state(0);

  /** Must be created while a component initialises: it owns an effect. */
  constructor(load: (signal: AbortSignal) => Promise<T>) {
    $effect(() => {
      this.#reloads;
      const ctrl = new AbortController();
      this.loading = true;
      load(ctrl.signal).then(
        (v) => {
          if (ctrl.signal.aborted) return;
          this.value = v;
          this.error = null;
          this.loading = false;
        },
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          this.error = err instanceof Error ? err : new Error(String(err));
          this.loading = false;
        },
      );
      return () => ctrl.abort();
    });
  }

  /** Loads again with the same inputs (a live event said the data changed). */
  reload(): void {
    // Called from effects (a feed message arrived): reading the counter there would make the
    // caller depend on it, and its own write would run it again, forever.
    untrack(() => this.#reloads++);
  }
}
