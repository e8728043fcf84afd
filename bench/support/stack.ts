/**
 * What a benchmark runs against, all real and all on loopback: the local Rest PKI Core in a child process, and on our
 * side a Temporal dev server (headless, in memory), the worker in a child process, the document store and the HTTP
 * gateway; on the baseline's side its own app. {@link Resources} stops whatever was started, in reverse order.
 */
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { SignatureSessionsClient, type StartedSession } from '../../src/client/signature-sessions-client';
import { type StartSessionRequest } from '../../src/client/start-request';
import { startGateway } from '../../src/gateway';
import { createLogger } from '../../src/logger';
import { startDevServer } from '../../src/local-temporal/dev-server';
import { type LocalRestPkiOptions } from '../../src/local-restpki';
import { loadOrCreateTestPki } from '../../src/local-restpki/pki';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { startBaseline, type RunningBaseline } from '../baseline/app';
import { WORKER_NODE_FLAGS } from '../../src/worker';
import { startChild, type RunningChild } from './children';
import { type RestPkiChildInfo } from './restpki-child';
import { type WorkerChildConfig } from './worker-child';
import { freePort } from '../../src/local-temporal/servers';

/** What every benchmark is given by the runner. */
export interface BenchContext {
  /** Smaller counts and sizes, the same figures. */
  quick: boolean;
  /** A scratch folder of this run, removed at the end. */
  workDir: string;
  log(line: string): void;
}

/** Things to stop when a benchmark ends, stopped in reverse order of start, each whatever the others do. */
export class Resources {
  readonly #stops: { what: string; stop: () => Promise<void> }[] = [];

  add(what: string, stop: () => Promise<void>): void {
    this.#stops.push({ what, stop });
  }

  async close(): Promise<void> {
    for (const { what, stop } of this.#stops.reverse()) {
      await stop().catch((error: unknown) => console.error(`Could not stop ${what}:`, error));
    }
    this.#stops.length = 0;
  }
}

/** Runs `body` with fresh resources and stops them all afterwards. */
export async function withResources<T>(body: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources();
  try {
    return await body(resources);
  } finally {
    await resources.close();
  }
}

let pkiTemplate: Promise<string> | undefined;
let workflowCode: Promise<string> | undefined;

/** A folder holding the test PKI, issued once per run and copied into every service's data folder. */
function issuedPki(context: BenchContext): Promise<string> {
  pkiTemplate ??= (async () => {
    const dir = join(context.workDir, 'pki-template');
    await loadOrCreateTestPki(dir);
    return dir;
  })();
  return pkiTemplate;
}

/** The workflow code, bundled once per run into a file that every worker child loads. */
function bundledWorkflows(context: BenchContext): Promise<string> {
  workflowCode ??= (async () => {
    context.log('bundling the workflow code once for every worker of this run');
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const path = join(context.workDir, 'workflow-bundle.js');
    await writeFile(path, bundle.code);
    return path;
  })();
  return workflowCode;
}

/** The local Rest PKI Core as a running child process. */
export interface RestPkiService extends RestPkiChildInfo {
  pid: number;
}

/** Starts the local Rest PKI Core in a child process on a fresh data folder, webhooks off unless asked. */
export async function startRestPki(
  resources: Resources,
  context: BenchContext,
  options: LocalRestPkiOptions = {},
): Promise<RestPkiService> {
  const dataDir = await mkdtemp(join(context.workDir, 'restpki-'));
  await cp(join(await issuedPki(context), 'pki'), join(dataDir, 'pki'), { recursive: true });
  const child = await startChild<RestPkiChildInfo>(require.resolve('./restpki-child'), {
    webhook: { url: null },
    ...options,
    dataDir,
  } satisfies LocalRestPkiOptions);
  resources.add('the local Rest PKI Core', () => child.stop());
  return { ...child.info, pid: child.pid };
}

/** Our side: Temporal, the worker child, the document store, the typed client and (when asked) the gateway. */
export interface Ours {
  client: Client;
  temporalAddress: string;
  taskQueue: string;
  store: FilesystemDocumentStore;
  storeRoot: string;
  /** The typed client, for results, returns noted by signal and starts without the gateway. */
  sessions: SignatureSessionsClient;
  worker: RunningChild<{ pid: number }>;
  gateway: { url: string; token: string } | null;
}

/**
 * Starts a Temporal dev server, a worker child and, with `gateway`, the HTTP gateway, all on loopback. The worker keeps
 * its default tuning, as `npm run worker` does.
 */
export async function startOurs(
  resources: Resources,
  context: BenchContext,
  restPki: RestPkiService,
  options: { gateway: boolean },
): Promise<Ours> {
  const codePath = await bundledWorkflows(context);

  const temporalPort = await freePort();
  const temporal = await startDevServer({ port: temporalPort, uiPort: null, logLevel: 'error' });
  resources.add('the Temporal dev server', () => temporal.stop());
  const connection = await Connection.connect({ address: temporal.address });
  resources.add('the Temporal client connection', () => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });

  const storeRoot = join(context.workDir, `store-${randomUUID()}`);
  await mkdir(storeRoot, { recursive: true });
  const store = new FilesystemDocumentStore(storeRoot);
  const taskQueue = `bench-${randomUUID()}`;
  const worker = await startChild<{ pid: number }>(
    require.resolve('./worker-child'),
    {
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      restPkiUrl: restPki.url,
      restPkiApiKey: restPki.apiKey,
      storeRoot,
      workflowCodePath: codePath,
    } satisfies WorkerChildConfig,
    { flags: WORKER_NODE_FLAGS },
  );
  resources.add('the worker', () => worker.stop());

  let gateway: Ours['gateway'] = null;
  if (options.gateway) {
    const port = await freePort();
    const token = `bench-${randomBytes(24).toString('base64url')}`;
    const running = await startGateway({
      temporal: client,
      taskQueue,
      store,
      publicUrl: `http://127.0.0.1:${port}`,
      apiTokens: [token],
      webhookAuth: { kind: 'none' },
      logger: createLogger('gateway', { level: process.env.BENCH_LOG_LEVEL ?? 'error' }),
      host: '127.0.0.1',
      port,
    });
    resources.add('the gateway', () => running.close());
    gateway = { url: running.url, token };
  }

  return {
    client,
    temporalAddress: temporal.address,
    taskQueue,
    store,
    storeRoot,
    sessions: new SignatureSessionsClient({ client, taskQueue, store }),
    worker,
    gateway,
  };
}

/** Starts the baseline app against the same service. */
export async function startBaselineApp(
  resources: Resources,
  context: BenchContext,
  restPki: RestPkiService,
  options: { syncFiles?: boolean } = {},
): Promise<RunningBaseline> {
  const dataDir = await mkdtemp(join(context.workDir, 'baseline-'));
  const baseline = await startBaseline({
    restPkiUrl: restPki.url,
    restPkiApiKey: restPki.apiKey,
    dataDir,
    syncFiles: options.syncFiles,
  });
  resources.add('the baseline app', () => baseline.close());
  return baseline;
}

/** Thrown when an HTTP API answers other than the benchmark expects. */
export class ApiCallError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${call}: HTTP ${status} ${body.slice(0, 300)}`);
    this.name = 'ApiCallError';
  }
}

/** `POST /api/sessions` on the gateway; resolves with the started session once it answers. */
export async function startThroughGateway(ours: Ours, request: StartSessionRequest): Promise<StartedSession> {
  if (!ours.gateway) throw new Error('This benchmark started no gateway');
  const response = await fetch(`${ours.gateway.url}/api/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ours.gateway.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200) {
    throw new ApiCallError('POST /api/sessions', response.status, text);
  }
  return JSON.parse(text) as StartedSession;
}

/** The baseline's start handler; resolves with where to send the user. */
export async function startThroughBaseline(
  baseline: RunningBaseline,
  request: { orderId: string; documents: StartSessionRequest['documents'] },
): Promise<{ orderId: string; sessionId: string; redirectUrl: string }> {
  const response = await fetch(`${baseline.url}/signatures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (response.status !== 200) throw new ApiCallError('POST /signatures', response.status, text);
  return JSON.parse(text) as { orderId: string; sessionId: string; redirectUrl: string };
}

/** An application key (or order ID) no other session of the run has. */
export function uniqueKey(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
