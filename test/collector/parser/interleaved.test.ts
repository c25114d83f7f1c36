/**
 * Two CPUs reporting at once: with CONFIG_PRINTK_CALLER each line carries its task or CPU
 * (`[ T120]`, `[ C0]`), and the lines of two reports arrive interleaved. Each report keeps its
 * own lines, title, frames and extent.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';

const TWO_TASKS = `[    0.000000][    T0] Linux version 6.6.0 (root@build) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC
[   61.204511][  T120] ------------[ cut here ]------------
[   61.204517][  T121] BUG: kernel NULL pointer dereference, address: 0000000000000010
[   61.204530][  T120] WARNING: CPU: 0 PID: 120 at fs/ext4/inode.c:3645 ext4_set_page_dirty+0x47/0x60
[   61.204533][  T121] #PF: supervisor read access in kernel mode
[   61.204539][  T120] Modules linked in:
[   61.204541][  T121] #PF: error_code(0x0000) - not-present page
[   61.204548][  T120] CPU: 0 PID: 120 Comm: fsstress Not tainted 6.6.0 #1
[   61.204550][  T121] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   61.204556][  T120] RIP: 0010:ext4_set_page_dirty+0x47/0x60
[   61.204559][  T121] CPU: 1 PID: 121 Comm: ip Not tainted 6.6.0 #1
[   61.204566][  T120] Call Trace:
[   61.204568][  T121] RIP: 0010:e1000_set_mac+0x2d/0x110
[   61.204574][  T120]  <TASK>
[   61.204576][  T121] Call Trace:
[   61.204581][  T120]  folio_mark_dirty+0x2c/0x60
[   61.204583][  T121]  <TASK>
[   61.204588][  T120]  ext4_writepages+0x4cc/0xe60
[   61.204590][  T121]  dev_set_mac_address+0x6f/0xd0
[   61.204596][  T120]  do_writepages+0xcf/0x1e0
[   61.204598][  T121]  do_setlink+0x2a6/0x1020
[   61.204603][  T120]  </TASK>
[   61.204605][  T121]  rtnl_setlink+0xf9/0x190
[   61.204611][  T120] ---[ end trace 0000000000000000 ]---
[   61.204613][  T121]  </TASK>
[   61.204620][  T121] Modules linked in:
[   61.204627][  T121] CR2: 0000000000000010
[   61.204634][  T121] ---[ end trace 0000000000000000 ]---
`;

// An expedited RCU stall warning from CPU 0's timer interrupt lands inside a task's WARN.
const STALL_INSIDE_WARN = `[    5.101010][   T33] ------------[ cut here ]------------
[    5.101020][   T33] WARNING: CPU: 1 PID: 33 at drivers/misc/lkdtm/bugs.c:100 lkdtm_WARNING+0x1a/0x20
[    5.101030][   T33] Modules linked in:
[    5.101031][    C0] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21 jiffies s: 57 root: 0x2/.
[    5.101040][   T33] CPU: 1 PID: 33 Comm: sh Not tainted 6.6.0 #1
[    5.101050][   T33] RIP: 0010:lkdtm_WARNING+0x1a/0x20
[    5.101060][   T33] Call Trace:
[    5.101061][   T33]  <TASK>
[    5.101062][   T33]  lkdtm_do_action+0x1c/0x40
[    5.101064][   T34] random: crng init done
[    5.101065][   T33]  full_proxy_write+0x5c/0x90
[    5.101066][   T33]  vfs_write+0xcd/0x430
[    5.101070][   T33]  </TASK>
[    5.101071][   T33] ---[ end trace 0000000000000000 ]---
`;

describe('reports of two tasks printed at once', () => {
  const r = parseLog(Buffer.from(TWO_TASKS));
  const byTitle = Object.fromEntries(r.crashes.map((c) => [c.title, c]));

  it('are two reports, each titled by its own stack', () => {
    expect(Object.keys(byTitle).sort()).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in e1000_set_mac',
      'WARNING in ext4_set_page_dirty',
    ]);
  });

  it("each keeps its own frames and extent, not the other's", () => {
    const warn = byTitle['WARNING in ext4_set_page_dirty'];
    const oops = byTitle['BUG: unable to handle kernel NULL pointer dereference in e1000_set_mac'];
    expect(warn.frames.map((f) => f.fn)).toEqual(['folio_mark_dirty', 'ext4_writepages', 'do_writepages']);
    expect(oops.frames.map((f) => f.fn)).toEqual(['dev_set_mac_address', 'do_setlink', 'rtnl_setlink']);
    expect([warn.line, warn.endLine]).toEqual([4, 24]);
    expect([oops.line, oops.endLine]).toEqual([3, 28]);
    expect(warn.file).toBe('fs/ext4/inode.c');
    expect(warn.corrupted).toBeUndefined();
    expect(oops.corrupted).toBeUndefined();
  });
});

describe("another CPU's report header inside a task's report", () => {
  const r = parseLog(Buffer.from(STALL_INSIDE_WARN));

  it("opens its own report and leaves the task's stack whole", () => {
    const [warn, stall] = r.crashes;
    expect(warn).toMatchObject({ kind: 'warning', title: 'WARNING in lkdtm_WARNING', line: 2, endLine: 14 });
    expect(warn.frames.map((f) => f.fn)).toEqual(['lkdtm_do_action', 'full_proxy_write', 'vfs_write']);
    // Cut to its header line by CPU 0 going quiet: syzbot's truncated stall (syzkaller 61).
    expect(stall).toMatchObject({
      kind: 'rcu_stall',
      title: 'INFO: rcu detected stall in corrupted',
      line: 4,
      corrupted: true,
    });
  });
});
