/** Light, dark, or the system's choice: kept in localStorage, applied as `data-theme` on <html>. */
export type ThemeChoice = 'auto' | 'light' | 'dark';

const KEY = 'bootwatch.theme';
const media = matchMedia('(prefers-color-scheme: dark)');

function saved(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

class Theme {
  choice = $state<ThemeChoice>(saved());
  #systemDark = $state(media.matches);
  /** The scheme in effect: what charts read their colours for. */
  dark = $derived(this.choice === 'dark' || (this.choice === 'auto' && this.#systemDark));

  constructor() {
    media.addEventListener('change', (e) => {
      this.#systemDark = e.matches;
    });
  }

  /** auto → light → dark → auto. */
  cycle(): void {
    this.set(this.choice === 'auto' ? 'light' : this.choice === 'light' ? 'dark' : 'auto');
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    const root = document.documentElement;
    if (choice === 'auto') delete root.dataset.theme;
    else root.dataset.theme = choice;
    try {
      if (choice === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
}

export const theme = new Theme();
