/**
 * The Temporal side of a fault test: the project's dev server on a port the test knows (so it can be stopped and
 * started again on the same port and database), a client in the test process, and the workflow code bundled once per
 * test file into a file that every worker process loads instead of bundling again.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type RunningDevServer } from '../../../src/local-temporal/dev-server';
import { freePort } from '../../../src/local-temporal/servers';

export interface FaultTemporal {
  /** `127.0.0.1:<port>`, for the worker processes' `TEMPORAL_ADDRESS`. */
  address: string;
  client: Client;
  /** Stops the dev server and waits for its process to exit; the client stays and reconnects later. */
  stopServer(): Promise<void>;
  /** Starts the dev server again on the same port and database. */
  startServer(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a headless dev server on a free port with its database in a temporary file (or in memory when `persistent`
 * is false), and connects a client.
 */
export async function startFaultTemporal(options: { persistent?: boolean } = {}): Promise<FaultTemporal> {
  const folder = await mkdtemp(join(tmpdir(), 'faults-temporal-'));
  const port = await freePort();
  const serverOptions = {
    port,
    uiPort: null,
    dbFilename: options.persistent ? join(folder, 'temporal.sqlite') : undefined,
  };
  let server: RunningDevServer | undefined = await startDevServer(serverOptions);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  return {
    address: server.address,
    client,
    async stopServer() {
      const running = server;
      server = undefined;
      await running?.stop();
    },
    async startServer() {
      if (server) return;
      server = await startDevServer(serverOptions);
    },
    async close() {
      await connection.close().catch(() => undefined);
      await server?.stop();
      server = undefined;
      await rm(folder, { recursive: true, force: true });
    },
  };
}

let bundlePath: Promise<string> | undefined;

/** The signature session workflows bundled once per test process, as a file for `workflowBundle: { codePath }`. */
export function workflowBundleFile(): Promise<string> {
  bundlePath ??= (async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../../src/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const folder = await mkdtemp(join(tmpdir(), 'faults-bundle-'));
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    const path = join(folder, 'workflows.js');
    await writeFile(path, code);
    return path;
  })();
  return bundlePath;
}
