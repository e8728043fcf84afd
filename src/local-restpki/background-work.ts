/**
 * The service's one background loop: expires sessions past their deadline, finishes background processing whose
 * time is over, and attempts due webhook deliveries. It sleeps until the earliest due time the database knows of
 * (woken early when new work is queued), so state and webhooks are right even when nobody reads the session. All
 * its work is in SQLite, so after a restart it simply picks up where the last run stopped.
 */
import { type ServiceContext } from './context';
import { expireDueSessions } from './use-cases/expire-sessions';
import { finishProcessing } from './use-cases/finish-processing';
import { deliverDueWebhooks } from './webhooks';

/** Longest sleep, so that a clock jump or an outside change to the database is noticed eventually. */
const MAX_SLEEP_MS = 30_000;

/** Shortest pause between passes. */
const MIN_SLEEP_MS = 25;

/** First pause after a pass that failed; it doubles with each failed pass in a row, up to {@link MAX_SLEEP_MS}. */
const FAILURE_BACKOFF_MS = 250;

/** Runs the background loop of one service. */
export class BackgroundWork {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wakeRequested = false;
  private failedPasses = 0;
  private stopped = true;
  private readonly abort = new AbortController();

  constructor(private readonly context: ServiceContext) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks for due work as soon as the current pass (if any) ends. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops the loop, aborting webhook attempts in flight, and waits for the current pass to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPass(), delayMs);
  }

  private runPass(): void {
    this.timer = null;
    this.wakeRequested = false;
    this.running = this.pass()
      .then(
        (succeeded) => {
          this.failedPasses = succeeded ? 0 : this.failedPasses + 1;
        },
        (error: unknown) => {
          this.failedPasses += 1;
          this.context.logger.error({ err: error }, 'Background pass failed');
        },
      )
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        if (this.failedPasses > 0) this.schedule(Math.min(MAX_SLEEP_MS, FAILURE_BACKOFF_MS * 2 ** this.failedPasses));
        else this.schedule(this.wakeRequested ? MIN_SLEEP_MS : this.sleepMs());
      });
  }

  /** One pass over everything due; false when some of it failed and is still due. */
  private async pass(): Promise<boolean> {
    let succeeded = true;
    expireDueSessions(this.context);

    for (const sessionId of this.context.store.dueProcessingSessions(Date.now())) {
      if (this.stopped) return succeeded;
      try {
        await finishProcessing(this.context, sessionId);
      } catch (error) {
        succeeded = false;
        this.context.logger.error({ err: error, sessionId }, 'Finishing background processing failed');
      }
    }

    if (!this.stopped) await deliverDueWebhooks(this.context, this.abort.signal);
    return succeeded;
  }

  private sleepMs(): number {
    const due = this.context.store.nextDueAt();
    if (due === null) return MAX_SLEEP_MS;
    return Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, due - Date.now()));
  }
}
