/**
 * Bounded concurrency for batches of independent work: the activities, the fault tests and the benchmarks share it.
 */

/**
 * Runs `task` for every index below `count`, at most `lanes` at once, and returns the results in index order. After a
 * failure no new task starts, and the batch fails with the first failure once the tasks already running have settled,
 * so that none of them outlives the batch.
 */
export async function inLanes<T>(count: number, lanes: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failed = false;
  let failure: unknown;

  const lane = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        results[index] = await task(index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  if (failed) throw failure;
  return results;
}
