/**
 * Runs the Temporal dev server (with its Web UI) from the project's own build of the Temporal CLI, keeping its
 * database in a file so that a restart carries on the same workflows, with the project's search attributes registered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../search-attributes';
import { ensureTemporalCli, waitForPort, type Progress } from './servers';

export interface DevServerOptions {
  /** SQLite file of the server's state; without it the state is lost when the server stops. */
  dbFilename?: string;
  ip?: string;
  port?: number;
  /** Port of the Web UI; `null` runs the server headless. */
  uiPort?: number | null;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  progress?: Progress;
}

export interface RunningDevServer {
  /** `host:port` of the frontend, for `TEMPORAL_ADDRESS`. */
  address: string;
  namespace: string;
  uiUrl: string | null;
  /** Stops the server and waits for its process to exit. */
  stop(): Promise<void>;
}

const KEYWORD_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** Starts the dev server and resolves once its frontend accepts connections. */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const executable = await ensureTemporalCli(options.progress);
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort === undefined ? port + 1000 : options.uiPort;
  const namespace = options.namespace ?? 'default';

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', options.logLevel ?? 'warn');
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (options.dbFilename) {
    await mkdir(dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  for (const attribute of ALL_SEARCH_ATTRIBUTES) {
    args.push('--search-attribute', `${attribute.name}=${KEYWORD_NAMES[attribute.type]}`);
  }

  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = await Promise.race([waitForPort(port, 60_000, ip).then(() => true), exited.then(() => false)]);
  if (!started) {
    throw new Error(
      `The Temporal dev server exited before accepting connections on ${ip}:${port}:\n${output.join('')}`,
    );
  }
  return {
    address: `${ip}:${port}`,
    namespace,
    uiUrl: uiPort === null ? null : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`,
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
