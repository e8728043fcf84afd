/**
 * CPU time of the processes a benchmark runs, read from `/proc/<pid>/stat`, to tell where the two cores went during a
 * run: the benchmark process itself (load, gateway or baseline app), the Rest PKI Core child, the worker child and
 * the Temporal dev server.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ), 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

/** User plus system CPU milliseconds a process has used so far, or NaN when it cannot be read. */
export async function cpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The IDs of this process's direct children whose command name starts with `name`. */
export async function childPids(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && command.startsWith(name)) pids.push(Number(entry));
    } catch {
      // The process ended while the folder was read.
    }
  }
  return pids;
}

/** CPU milliseconds used by each named process between `start()` and `stop()`. */
export class CpuMeter {
  readonly #pids: Record<string, number>;
  #before: Record<string, number> = {};

  constructor(pids: Record<string, number>) {
    this.#pids = pids;
  }

  async start(): Promise<void> {
    this.#before = await this.#read();
  }

  async stop(): Promise<Record<string, number>> {
    const after = await this.#read();
    return Object.fromEntries(
      Object.keys(after).map((name) => [name, Math.round(after[name]! - (this.#before[name] ?? Number.NaN))]),
    );
  }

  async #read(): Promise<Record<string, number>> {
    const entries = await Promise.all(
      Object.entries(this.#pids).map(async ([name, pid]) => [name, await cpuMs(pid)] as const),
    );
    return Object.fromEntries(entries);
  }
}
