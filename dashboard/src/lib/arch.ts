/** The `arch=` filter the list views keep in the URL: Overview, Trends, Failures and Issues. */
import type { Arch } from '$types/parse.ts';
import { ARCHES } from './api.ts';
import { router } from './router.svelte.ts';

export const isArch = (v: string): v is Arch => (ARCHES as readonly string[]).includes(v);

/** The architectures the URL asks for, once each; values the collector would refuse are left out. */
export function urlArches(): Arch[] {
  return [...new Set(router.list('arch').filter(isArch))];
}
