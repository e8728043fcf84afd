/**
 * Runs `worker-process.ts` as a child process that a test can kill with SIGKILL at any moment and start again. Every
 * line the workers write (their pino logs on stdout, the SDK's on stderr) is kept for the test to read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { workflowBundleFile } from './temporal';

export interface WorkerChildOptions {
  temporalAddress: string;
  taskQueue: string;
  restPkiUrl: string;
  restPkiApiKey: string;
  storeRoot: string;
  bundlePath: string;
  notificationSigningSecret?: string;
  /** Time allowed for one Rest PKI Core call, as `RESTPKI_TIMEOUT` reads it (`90s`); the client's default if unset. */
  restPkiTimeout?: string;
  /** The worker's pino level; default `info`. */
  logLevel?: string;
  /** The SDK's level; default `WARN`. */
  sdkLogLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

const ENTRY = join(__dirname, 'worker-process.ts');
const PROJECT_ROOT = join(__dirname, '..', '..', '..');
const READY_LINE = 'Worker polling';
const START_TIMEOUT_MS = 90_000;

/** One worker at a time, started, killed and started again by the test. */
export class WorkerChild {
  /** Every line every worker process of this controller wrote, in order. */
  readonly output: string[] = [];
  /** How many processes were started, and how many were killed with SIGKILL. */
  starts = 0;
  kills = 0;
  #child: { process: ChildProcess; exited: Promise<void> } | undefined;

  constructor(private readonly options: WorkerChildOptions) {}

  get running(): boolean {
    return this.#child !== undefined && this.#child.process.exitCode === null && !this.#child.process.killed;
  }

  /** Starts a worker process and resolves once it polls; rejects if it exits or takes longer than 90 s. */
  async start(): Promise<void> {
    if (this.#child) throw new Error('A worker process is already running');
    const options = this.options;
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: options.temporalAddress,
        TASK_QUEUE: options.taskQueue,
        WORKFLOW_BUNDLE_PATH: options.bundlePath,
        RESTPKI_ENDPOINT: options.restPkiUrl,
        RESTPKI_API_KEY: options.restPkiApiKey,
        ...(options.restPkiTimeout ? { RESTPKI_TIMEOUT: options.restPkiTimeout } : {}),
        DOCUMENT_STORE_ROOT: options.storeRoot,
        ...(options.notificationSigningSecret
          ? { NOTIFICATION_SIGNING_SECRET: options.notificationSigningSecret }
          : {}),
        LOG_LEVEL: options.logLevel ?? 'info',
        SDK_LOG_LEVEL: options.sdkLogLevel ?? 'WARN',
      },
    });
    this.starts++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#child = { process: child, exited };

    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line === '') continue;
          this.output.push(line);
          if (line.includes(READY_LINE)) {
            clearTimeout(timer);
            resolve(true);
          }
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!(await ready)) {
      await this.kill();
      throw new Error(`The worker process did not start polling:\n${this.output.slice(-20).join('\n')}`);
    }
  }

  /** Kills the worker with SIGKILL (no shutdown, no goodbye) and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      this.kills++;
    }
    await child.exited;
  }

  /** Asks the worker to shut down (SIGTERM), with SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    await child.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a worker child on `temporal` and `restPki` with the prebuilt workflow bundle, polling `taskQueue` and storing
 * under `storeRoot`; `extra` sets the rest of its options.
 */
export async function startWorkerChild(
  temporal: { address: string },
  restPki: { url: string; apiKey: string },
  options: Pick<WorkerChildOptions, 'taskQueue' | 'storeRoot'> & Partial<WorkerChildOptions>,
): Promise<WorkerChild> {
  const worker = new WorkerChild({
    temporalAddress: temporal.address,
    restPkiUrl: restPki.url,
    restPkiApiKey: restPki.apiKey,
    bundlePath: await workflowBundleFile(),
    ...options,
  });
  await worker.start();
  return worker;
}
