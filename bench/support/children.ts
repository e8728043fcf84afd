/**
 * Child processes of the benchmark (the local Rest PKI Core, the worker): each is a TypeScript entry run with tsx,
 * configured by one JSON environment variable, reporting `ready` over IPC and stopping on a `stop` message or when
 * the benchmark goes away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** The variable a child reads its configuration from. */
export const CHILD_CONFIG_VARIABLE = 'BENCH_CHILD_CONFIG';

/** Set to a folder, every child writes a V8 CPU profile there when it exits (`--cpu-prof`), threads included. */
export const PROFILE_DIR_VARIABLE = 'BENCH_PROFILE_DIR';

/** Messages between the benchmark and a child. */
export type ChildMessage<T> = { type: 'ready'; info: T } | { type: 'failed'; message: string } | { type: 'stop' };

/** A child that reported ready. */
export interface RunningChild<T> {
  pid: number;
  info: T;
  /** Asks the child to stop and waits for it to exit; kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Thrown when a child exits or fails before it is ready. */
export class ChildStartError extends Error {
  constructor(
    readonly entry: string,
    problem: string,
  ) {
    super(`The child process ${entry} did not start: ${problem}`);
    this.name = 'ChildStartError';
  }
}

/**
 * Spawns `entry` (an absolute path to a .ts file) with `config`, and Node.js `flags` before it, and waits for its
 * `ready` message.
 */
export async function startChild<T>(
  entry: string,
  config: unknown,
  { flags = [], readyWithinMs = 120_000 }: { flags?: string[]; readyWithinMs?: number } = {},
): Promise<RunningChild<T>> {
  const profileDir = process.env[PROFILE_DIR_VARIABLE];
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, ...profiling, '--import', 'tsx', entry], {
    env: { ...process.env, [CHILD_CONFIG_VARIABLE]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit').then(() => undefined);

  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ChildStartError(entry, `no ready message within ${readyWithinMs} ms`));
    }, readyWithinMs);
    child.on('message', (message: ChildMessage<T>) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.info);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new ChildStartError(entry, message.message));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new ChildStartError(entry, `it exited with code ${child.exitCode ?? child.signalCode}`));
    });
  });

  return {
    pid: child.pid!,
    info,
    stop: (graceMs = 30_000) => stopChild(child, exited, graceMs),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ type: 'stop' } satisfies ChildMessage<never>);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** In a child: its configuration, as the benchmark passed it. */
export function childConfig<T>(): T {
  const text = process.env[CHILD_CONFIG_VARIABLE];
  if (!text) throw new Error(`${CHILD_CONFIG_VARIABLE} is not set: this file is started by the benchmark`);
  return JSON.parse(text) as T;
}

/**
 * In a child: runs `start`, reports ready with what it returns, and calls the returned `stop` on a `stop` message or
 * when the benchmark disconnects, then exits.
 */
export function serveAsChild<T>(start: () => Promise<{ info: T; stop: () => Promise<void> }>): void {
  const send = (message: ChildMessage<T>) => process.send?.(message);
  start().then(
    ({ info, stop }) => {
      let stopping = false;
      const finish = () => {
        if (stopping) return;
        stopping = true;
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.on('message', (message: ChildMessage<T>) => {
        if (message.type === 'stop') finish();
      });
      process.once('disconnect', finish);
      send({ type: 'ready', info });
    },
    (error: unknown) => {
      console.error(error);
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
