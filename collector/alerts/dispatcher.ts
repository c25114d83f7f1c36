/**
 * Sends what the outbox holds: batches due alerts into deliveries, claims them, sends each
 * over its channel and records the attempt. It wakes when this process raises an alert, and
 * otherwise when the outbox's next piece of work is due (at the latest every POLL_MS, for
 * what other collectors queued). Stopping waits for the sends in flight.
 */
import { setting } from '../../common/settings.ts';
import type { Db } from '../db/client.ts';
import { isDbUnavailable } from '../db/errors.ts';
import { sendMail } from './channels/email.ts';
import { sendHttp } from './channels/http.ts';
import { composeMessage, stableId } from './message.ts';
import {
  type AttemptOutcome,
  batchDue,
  type Claimed,
  claimDue,
  finishAttempt,
  nextWorkInMs,
} from './outbox.ts';

const POLL_MS = 5_000;
/** Deliveries sent at once by one collector. */
const BATCH = 8;

const running = new WeakMap<Db, AlertDispatcher>();

/** Wakes the database's dispatcher in this process (new alerts were queued); a no-op without one. */
export function nudgeAlerts(db: Db): void {
  running.get(db)?.nudge();
}

export interface DispatcherOptions {
  /** Where the dashboard lives, for links (null: none). */
  baseUrl: () => string | null;
}

export class AlertDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly opts: DispatcherOptions,
  ) {}

  /** Starts sending: at once (what a previous run left), then as work comes due. */
  start(): void {
    running.set(this.db, this);
    this.schedule(0);
  }

  /** Runs a pass soon (or right after the one in progress). */
  nudge(): void {
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /** Stops; resolves once the pass in progress has recorded its attempts. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (running.get(this.db) === this) running.delete(this.db);
    await this.pass;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    // The outbox is durable: a process that is otherwise done need not wait for it.
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (this.pass || this.stopped) return;
    this.again = false;
    this.pass = this.sendDue().catch((err) => this.report(err));
    await this.pass;
    this.pass = null;
    let wait = POLL_MS;
    if (this.again) wait = 0;
    else {
      const next = await nextWorkInMs(this.db).catch(() => null);
      if (next != null) wait = Math.min(POLL_MS, Math.max(20, next));
    }
    this.schedule(wait);
  }

  private report(err: unknown): void {
    // A database that is away (restart, shutdown) is retried on the next pass.
    if (isDbUnavailable(err) || /PGlite is closing|closed/.test(String((err as Error).message))) return;
    process.stderr.write(`bootwatch: alert delivery failed: ${(err as Error).message.split('\n')[0]}\n`);
  }

  private async sendDue(): Promise<void> {
    await batchDue(this.db);
    while (!this.stopped) {
      const claimed = await claimDue(this.db, BATCH);
      if (!claimed.length) return;
      await Promise.all(claimed.map((c) => this.send(c)));
    }
  }

  private async send(c: Claimed): Promise<void> {
    const t0 = performance.now();
    let outcome: AttemptOutcome;
    try {
      const msg = await composeMessage(this.db, c.alertIds, this.opts.baseUrl());
      const id = c.delivery.id;
      outcome =
        c.subscription.channel === 'email'
          ? await sendMail(c.subscription.target, msg, id, c.subscription.id)
          : await sendHttp(c.subscription, stableId(id), msg);
    } catch (err) {
      outcome = {
        ok: false,
        code: null,
        response: null,
        error: (err as Error).message,
        durationMs: performance.now() - t0,
      };
    }
    await finishAttempt(this.db, c.delivery, outcome, {
      baseMs: setting('BOOTWATCH_ALERT_RETRY_MS'),
      maxAttempts: setting('BOOTWATCH_ALERT_ATTEMPTS'),
    });
  }
}
