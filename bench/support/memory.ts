/**
 * Memory of another process, read from Linux's `/proc/<pid>/status`: the resident set now (VmRSS) and its peak
 * (VmHWM). Reading it from outside keeps the measurement to that process alone, without the benchmark's own heap.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** One reading, in bytes. */
export interface MemoryReading {
  rss: number;
  /** The peak resident set since the process started or since {@link resetPeak}. */
  hwm: number;
}

/** One sample of a {@link MemorySampler}: milliseconds since the sampler started, and the resident set. */
export interface MemorySample {
  atMs: number;
  rss: number;
}

/** Thrown when a process's memory cannot be read (it exited, or this is not Linux). */
export class MemoryUnreadableError extends Error {
  constructor(
    readonly pid: number,
    options?: { cause?: unknown },
  ) {
    super(`Cannot read the memory of process ${pid} from /proc`, options);
    this.name = 'MemoryUnreadableError';
  }
}

export async function readMemory(pid: number): Promise<MemoryReading> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new MemoryUnreadableError(pid, { cause: error });
  }
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new MemoryUnreadableError(pid);
    return Number(match[1]) * 1024;
  };
  return { rss: kilobytes('VmRSS'), hwm: kilobytes('VmHWM') };
}

/**
 * Resets the process's VmHWM to its current resident set (writing 5 to `clear_refs`, Linux 4.0 and later), so that a
 * later reading gives the peak of one phase. Returns false where the kernel or permissions do not allow it; callers
 * then rely on sampling.
 */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    const { rss, hwm } = await readMemory(pid);
    return hwm <= rss + 1024 * 1024;
  } catch {
    return false;
  }
}

/** Samples a process's resident set at a fixed interval until stopped. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly #pid: number;
  readonly #started = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();

  constructor(pid: number, intervalMs: number) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** Stops sampling and returns every sample taken. */
  async stop(): Promise<MemorySample[]> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reading;
    return this.samples;
  }

  /** The largest resident set sampled so far. */
  get maxRss(): number {
    return Math.max(0, ...this.samples.map((sample) => sample.rss));
  }

  #sample(): void {
    // Readings are chained so that samples stay in time order even when one read is slow.
    this.#reading = this.#reading.then(async () => {
      try {
        const { rss } = await readMemory(this.#pid);
        this.samples.push({ atMs: Date.now() - this.#started, rss });
      } catch {
        // The process exited: the samples taken so far are what there is.
      }
    });
  }
}
