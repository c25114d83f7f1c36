/**
 * `BUG: workqueue lockup` (kernel/workqueue.c wq_watchdog_timer_fn): newer kernels follow the
 * busy-workqueue dump with the busy workers of the stalled pools, and syzkaller names the
 * lockup by the first one's work function; older kernels print no worker (syzkaller test data
 * 1009 and 1010 hold the newer form).
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { stamped as stampedFrom } from '../../helpers/stamped.ts';

const stamped = (lines: string) => stampedFrom(lines, 120, 0.000093);

const DUMP = `
BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!
Showing busy workqueues and worker pools:
workqueue events: flags=0x0
  pwq 2: cpus=1 node=0 flags=0x0 nice=0 active=2/256 refcnt=3
    in-flight: 51:lkdtm_spin_work
    pending: vmstat_shepherd
pool 2: cpus=1 node=0 flags=0x0 nice=0 hung=31s workers=3 idle: 22 57`;

describe('BUG: workqueue lockup', () => {
  it('older kernels: the dump alone, titled by the header and whole', () => {
    const [c] = parseLog(stamped(`${DUMP}\nrandom: crng init done`)).crashes;
    expect(c).toMatchObject({ kind: 'lockup', title: 'BUG: workqueue lockup', line: 1, endLine: 7 });
    expect(c.corrupted).toBeUndefined();
  });

  it("newer kernels: named by the stalled pool's first busy worker", () => {
    const [c] = parseLog(
      stamped(`${DUMP}
Showing backtraces of busy workers in stalled worker pools:
pool 2:
task:kworker/1:1     state:R  running task     stack:0     pid:51    tgid:51    ppid:2      flags:0x00004000
Workqueue: events lkdtm_spin_work
Call Trace:
 <TASK>
 __schedule+0x2d0/0x8a0
 lkdtm_spin_work+0x1c/0x30
 process_one_work+0x1a4/0x3a0
 worker_thread+0x28a/0x3b0
 kthread+0xdd/0x110
 ret_from_fork+0x2d/0x50
 </TASK>`),
    ).crashes;
    expect(c).toMatchObject({
      kind: 'lockup',
      title: 'BUG: workqueue lockup in lkdtm_spin_work',
      endLine: 20,
    });
  });
});
