/**
 * Clocks and bounded loops: every wait and every batch in the benchmarks ends by a deadline, so that a stuck service
 * fails the benchmark instead of hanging the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inLanes } from '../../src/concurrency';

export { sleep };

/** Milliseconds on a monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Runs `task` and returns its result with the milliseconds it took. */
export async function timed<T>(task: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = now();
  const result = await task();
  return { result, ms: now() - started };
}

/** Thrown when a bounded wait or batch runs past its deadline. */
export class DeadlineExceededError extends Error {
  constructor(
    readonly what: string,
    readonly limitMs: number,
  ) {
    super(`${what} did not finish within ${Math.round(limitMs / 1000)} s`);
    this.name = 'DeadlineExceededError';
  }
}

/** Polls `check` every `intervalMs` until it returns a value other than `undefined`, for at most `limitMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { limitMs, intervalMs = 100 }: { limitMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (now() > deadline) throw new DeadlineExceededError(what, limitMs);
    await sleep(intervalMs);
  }
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` at once and returns the results in index order. Once `limitMs`
 * has passed no new task starts and the batch fails with {@link DeadlineExceededError}; the first failing task fails
 * the batch too, after the tasks already running have settled.
 */
export async function inPool<T>(
  what: string,
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
  { limitMs }: { limitMs: number },
): Promise<T[]> {
  const deadline = now() + limitMs;
  return inLanes(count, concurrency, (index) => {
    if (now() > deadline) throw new DeadlineExceededError(`${what} (${index} of ${count} started)`, limitMs);
    return task(index);
  });
}
