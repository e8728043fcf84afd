/**
 * In-process notice that a session's status changed, so a held `when-completed` request answers at once instead of
 * polling the database. Only this process changes sessions, so nothing is missed.
 */
import { EventEmitter } from 'node:events';

/** Publishes and awaits changes of a session's status. */
export class SessionEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every held when-completed request listens; there is no meaningful limit to warn about.
    this.emitter.setMaxListeners(0);
  }

  /** Tells waiters that `sessionId` changed. */
  changed(sessionId: string): void {
    this.emitter.emit(sessionId);
  }

  /** Resolves on the next change of `sessionId`, after `timeoutMs`, or when `signal` aborts, whichever comes first. */
  nextChange(sessionId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.emitter.off(sessionId, finish);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      this.emitter.on(sessionId, finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
