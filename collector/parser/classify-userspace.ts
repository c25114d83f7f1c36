/**
 * Reads a userspace console line (busybox, util-linux, systemd, a shell) into the facts
 * bootwatch cares about: mount failures, errno texts, login prompts, named kernel options.
 */
import type { MountFact } from './classify-kernel.ts';
import { type ErrnoMatch, errnoByName, findErrno } from './errno.ts';
import { USERSPACE_MESSAGES as U } from './tables/messages.ts';

export interface UserspaceFacts {
  mount?: MountFact;
  errno?: ErrnoMatch;
  login?: true;
  missingConfig?: string[];
}

const CONFIG_RE = /\b(CONFIG_[A-Z0-9_]+)\b/g;
const NEGATIVE_RE = /not set|not enabled|disabled|missing|requires?|needs?|enable|without/i;

/** Extracts the facts a userspace line states. Never throws. */
export function classifyUserspace(text: string): UserspaceFacts {
  const f: UserspaceFacts = {};
  f.errno = findErrno(text) ?? undefined;
  f.mount = mountFailure(text, f.errno);
  if (U.loginPrompt.test(text) || U.shellPrompt.test(text)) f.login = true;
  if (text.includes('CONFIG_') && NEGATIVE_RE.test(text)) {
    f.missingConfig = [...new Set([...text.matchAll(CONFIG_RE)].map((x) => x[1]))];
  }
  return f;
}

function mountFailure(text: string, errno: ErrnoMatch | undefined): MountFact | undefined {
  const busybox = U.busyboxMount.exec(text);
  if (busybox) return { source: busybox[1], target: busybox[2], fstype: null, errno: errno?.errno ?? null };
  const util = U.utilMount.exec(text);
  if (util) {
    const target = util[1].startsWith('/') ? util[1] : null;
    const fs = U.unknownFsType.exec(util[2]);
    // util-linux words ENODEV as "unknown filesystem type".
    if (fs) return { source: null, target, fstype: fs[1], errno: errnoByName('ENODEV') };
    if (errno) return { source: null, target, fstype: null, errno: errno.errno };
    return undefined;
  }
  const systemd = U.systemdMount.exec(text);
  if (systemd)
    return {
      source: null,
      target: systemd[1].split(' ')[0] ?? null,
      fstype: null,
      errno: errno?.errno ?? null,
    };
  return undefined;
}
