/**
 * The worker: runs signature session workflows and their activities. Started alone (`npm run worker`) it connects to
 * the Temporal cluster named by the SDK's usual environment variables (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, or a `TEMPORAL_PROFILE` in a config file) and to the Rest PKI Core instance
 * named by `RESTPKI_ENDPOINT` and `RESTPKI_API_KEY`. Any number of workers may poll the same task queue.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from './activities';
import { type NotificationSettings } from './activities/notify-application';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { loadRestPkiSettings, RestPkiClient } from './restpki/client';
import { type DocumentStore } from './storage/document-store';
import { FilesystemDocumentStore } from './storage/filesystem-store';
import { loadDocumentStoreSettings } from './storage/settings';
import { DEFAULT_TASK_QUEUE } from './workflows/messages';

/**
 * How many workflows a worker keeps in memory between their tasks. Each costs about half a megabyte; a session waiting
 * for its user gets a task only now and then, and one that is not cached is replayed from its short history instead.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

/**
 * The Node.js flags `npm run worker` starts the worker with (package.json says them again). V8 otherwise sizes its heap
 * from the machine's memory and lets it grow long before collecting: capped, the worker's resident set stays flat
 * while thousands of sessions come and go. Raise it for a worker that keeps far more workflows cached.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=256'];

const workerSettingsSchema = z.object({
  TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  NOTIFICATION_SIGNING_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'expected a Standard Webhooks secret: whsec_ and base64')
    .optional(),
});

export interface SignatureWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  restPki: RestPkiClient;
  store: DocumentStore;
  /** How events to applications are signed; needed by sessions started with a notification URL. */
  notifications?: NotificationSettings;
  /** Prebuilt workflow code (tests bundle once per file); by default the worker bundles `./workflows` itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options, for tests and tuning. */
  tuning?: Partial<
    Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows' | 'shutdownGraceTime'>
  >;
}

/** Builds a worker for the signature session workflow over a Rest PKI Core client and a document store. */
export async function createSignatureWorker(options: SignatureWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({
      restPki: options.restPki,
      store: options.store,
      notifications: options.notifications,
    }),
    maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    ...options.tuning,
  });
}

async function main(): Promise<void> {
  const log = createLogger('worker');
  const { TASK_QUEUE, NOTIFICATION_SIGNING_SECRET, WORKER_MAX_CACHED_WORKFLOWS } = loadConfig(workerSettingsSchema);
  const restPkiSettings = loadRestPkiSettings();
  const storeSettings = loadDocumentStoreSettings();
  const { connectionOptions, namespace } = loadClientConnectConfig();

  const connection = await NativeConnection.connect(connectionOptions);
  const worker = await createSignatureWorker({
    connection,
    namespace,
    taskQueue: TASK_QUEUE,
    restPki: new RestPkiClient(restPkiSettings),
    store: new FilesystemDocumentStore(storeSettings.root),
    notifications: NOTIFICATION_SIGNING_SECRET ? { signingSecret: NOTIFICATION_SIGNING_SECRET } : undefined,
    tuning: { maxCachedWorkflows: WORKER_MAX_CACHED_WORKFLOWS },
  });
  log.info(
    { address: connectionOptions.address, namespace: namespace ?? 'default', taskQueue: TASK_QUEUE },
    'Worker polling',
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
